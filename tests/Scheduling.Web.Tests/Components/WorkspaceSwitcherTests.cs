using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Components.Layout;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Tests.Components;

/// <summary>The app bar's workspace menu, rendered with the app's services on a real SQLite database.</summary>
public sealed class WorkspaceSwitcherTests
{
    private const string Email = "linus@example.com";
    private const string Personal = "linus's workspace";
    private const string LaunchTeam = "Launch team";

    [Fact]
    public async Task Render_InCurrentWorkspace_ShowsItsNameOnTheButton()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync(Email), Personal);

        var cut = app.Context.RenderWithPopovers<WorkspaceSwitcher>();

        Assert.Equal(Personal, cut.Find("[data-testid=workspace-switcher-button] .workspace-name").TextContent.Trim());
        // Closed menu: no options rendered yet.
        Assert.Empty(cut.FindAll("[data-testid=workspace-option]"));
    }

    [Fact]
    public async Task ClickSwitcherButton_WithTwoWorkspaces_OpensMenuListingBothWithRoles()
    {
        await using var app = await AppSetUpWithTwoWorkspacesAsync();
        var cut = app.Context.RenderWithPopovers<WorkspaceSwitcher>();

        cut.Find("[data-testid=workspace-switcher-button]").Click();

        var options = cut.WaitForElements("[data-testid=workspace-option]", 2);
        Assert.Contains(LaunchTeam, options[0].TextContent, StringComparison.Ordinal);
        Assert.Contains(Personal, options[1].TextContent, StringComparison.Ordinal);
        Assert.All(options, o => Assert.Contains("Owner", o.TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClickOption_OfOtherWorkspace_SwitchesContextAndRemembersIt()
    {
        await using var app = await AppSetUpWithTwoWorkspacesAsync();
        var cut = app.Context.RenderWithPopovers<WorkspaceSwitcher>();

        cut.Find("[data-testid=workspace-switcher-button]").Click();
        var launch = cut.WaitForElements("[data-testid=workspace-option]", 2).Single(o => o.TextContent.Contains(LaunchTeam, StringComparison.Ordinal));
        launch.Click();

        cut.WaitForAssertion(() => Assert.Equal(LaunchTeam, cut.Find("[data-testid=workspace-switcher-button] .workspace-name").TextContent.Trim()));
        Assert.Equal(LaunchTeam, app.Workspace.WorkspaceName);
        await using var db = await app.NewDbContextAsync();
        var user = await db.Users.SingleAsync(u => u.Email == Email, Xunit.TestContext.Current.CancellationToken);
        Assert.Equal(app.Workspace.WorkspaceId, user.CurrentWorkspaceId);
    }

    [Fact]
    public async Task WorkspaceChanged_Elsewhere_RefreshesButtonAndList()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        var user = await app.CreateUserAsync(Email);
        await app.ActAsync(user, Personal);
        var cut = app.Context.RenderWithPopovers<WorkspaceSwitcher>();

        // Settings > Workspace creates and switches through the same scoped services: the app bar follows.
        var workspaces = app.Context.Services.GetRequiredService<WorkspaceService>();
        var created = await cut.InvokeAsync(() => workspaces.CreateAsync(LaunchTeam, Xunit.TestContext.Current.CancellationToken));
        await cut.InvokeAsync(() => workspaces.SwitchAsync(created.Id, Xunit.TestContext.Current.CancellationToken));

        cut.WaitForAssertion(() => Assert.Equal(LaunchTeam, cut.Find("[data-testid=workspace-switcher-button] .workspace-name").TextContent.Trim()));
    }

    private static async Task<AppServicesHarness> AppSetUpWithTwoWorkspacesAsync()
    {
        var app = await AppServicesHarness.CreateAsync();
        var user = await app.CreateUserAsync(Email);
        await app.ActAsync(user, Personal);
        await app.Context.Services.GetRequiredService<WorkspaceService>().CreateAsync(LaunchTeam, Xunit.TestContext.Current.CancellationToken);
        return app;
    }
}
