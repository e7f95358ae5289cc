using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Features.Tokens;

namespace Scheduling.Web.Tests.Components;

/// <summary>Settings > API tokens, rendered with the app's services on a real SQLite database.</summary>
public sealed class TokenSettingsTests
{
    private const string Email = "grace@example.com";
    private const string Workspace = "grace's workspace";

    [Fact]
    public async Task Render_WithoutTokens_ShowsWorkspaceRoleAndEmptyTable()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync(Email), Workspace);

        var cut = app.Context.RenderWithPopovers<TokenSettings>();

        Assert.Contains($"A token acts in {Workspace} with your role there (Owner)", cut.Markup.Replace("<b>", "").Replace("</b>", ""), StringComparison.Ordinal);
        Assert.Contains("No tokens yet.", cut.Find("[data-testid=tokens-table]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=token-value]"));
    }

    [Fact]
    public async Task CreateToken_WithName_ShowsValueOnceAndListsActiveRow()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        var user = await app.CreateUserAsync(Email);
        await app.ActAsync(user, Workspace);
        var cut = app.Context.RenderWithPopovers<TokenSettings>();

        cut.Find("input[data-testid=token-name], [data-testid=token-name] input").Change("Render farm");
        cut.Find("button[data-testid=create-token]").Click();

        var value = cut.WaitForElement("[data-testid=token-value]").TextContent.Trim();
        Assert.StartsWith("sch_", value, StringComparison.Ordinal);
        var row = Assert.Single(cut.FindAll("[data-testid=tokens-table] tbody tr"));
        Assert.Contains("Render farm", row.TextContent, StringComparison.Ordinal);
        Assert.Contains(value[..8] + "…", row.TextContent, StringComparison.Ordinal);
        // Default expiry is 90 days from the (fixed) clock: 10 Mar 2026 + 90 days.
        Assert.Contains("8 Jun 2026", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("active", row.TextContent, StringComparison.Ordinal);
        // The name field is cleared for the next token.
        Assert.True(string.IsNullOrEmpty(cut.Find("input[data-testid=token-name], [data-testid=token-name] input").GetAttribute("value")));

        // The value on screen is the real credential: it authenticates as this user in this workspace.
        var identity = await app.Context.Services.GetRequiredService<ApiTokenService>().AuthenticateAsync(value, Xunit.TestContext.Current.CancellationToken);
        Assert.NotNull(identity);
        Assert.Equal(user.Id, identity.UserId);
        Assert.Equal(app.Workspace.WorkspaceId, identity.WorkspaceId);
    }

    [Fact]
    public async Task CreateToken_WithoutName_ShowsFieldErrorAndStoresNothing()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync(Email), Workspace);
        var cut = app.Context.RenderWithPopovers<TokenSettings>();

        cut.Find("button[data-testid=create-token]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Name is required", cut.Markup, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=token-value]"));
        await using var db = await app.NewDbContextAsync();
        Assert.Equal(0, await db.ApiTokens.IgnoreQueryFilters().CountAsync(Xunit.TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Render_UsedToken_ShowsWhenItWasLastUsed_AndANeverExpiringOne()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync(Email), Workspace);
        var tokens = app.Context.Services.GetRequiredService<ApiTokenService>();
        var used = await tokens.CreateAsync("Cron box", null, ct: Xunit.TestContext.Current.CancellationToken);
        await tokens.CreateAsync("Forever", null, neverExpires: true, ct: Xunit.TestContext.Current.CancellationToken);
        await tokens.AuthenticateAsync(used.Value, Xunit.TestContext.Current.CancellationToken);

        var cut = app.Context.RenderWithPopovers<TokenSettings>();

        var rows = cut.FindAll("[data-testid=tokens-table] tbody tr");
        var cron = rows.Single(r => r.TextContent.Contains("Cron box", StringComparison.Ordinal));
        var forever = rows.Single(r => r.TextContent.Contains("Forever", StringComparison.Ordinal));
        // The fixed clock is 10 Mar 2026: used then (to the minute), default expiry 90 days on.
        Assert.Matches(@"10 Mar 2026 \d\d:\d\d UTC", cron.TextContent);
        Assert.Contains("8 Jun 2026", cron.TextContent, StringComparison.Ordinal);
        Assert.Equal(["never", "never"], forever.QuerySelectorAll("td").Where(td => td.GetAttribute("data-label") is "Expires" or "Last used").Select(td => td.TextContent.Trim()));
    }

    [Fact]
    public async Task Render_TokensOfAnotherWorkspace_AreNotListed()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        var user = await app.CreateUserAsync(Email);
        await app.ActAsync(user, Workspace);
        await app.Context.Services.GetRequiredService<ApiTokenService>().CreateAsync("Personal script", 30, ct: Xunit.TestContext.Current.CancellationToken);
        var other = await app.Context.Services.GetRequiredService<Scheduling.Web.Features.Workspaces.WorkspaceService>()
            .CreateAsync("Launch team", Xunit.TestContext.Current.CancellationToken);
        await app.ActAsync(user, other.Name);

        var cut = app.Context.RenderWithPopovers<TokenSettings>();

        // Tokens belong to a workspace: the list follows the current one (query filter).
        Assert.Contains("No tokens yet.", cut.Find("[data-testid=tokens-table]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("Personal script", cut.Markup, StringComparison.Ordinal);
    }
}
