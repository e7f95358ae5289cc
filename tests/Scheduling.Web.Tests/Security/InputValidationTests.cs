using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Security;

/// <summary>A missing or unknown enum is a 400 naming the field, never its first value; typed addresses follow one rule.</summary>
public class InputValidationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task AssertFieldAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task ChangeRole_MissingOrUnknownRole_Is400_TheMemberKeepsTheirRole(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var owner = await Session.RegisterAsync(app, "boss@example.com");
        var member = await Session.RegisterAsync(app, "staff@example.com");
        var invite = await (await owner.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = "staff@example.com", role = "creator" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        (await member.PostAsync($"/api/v1/invitations/{invite.GetProperty("acceptUrl").GetString()!.Split('/').Last()}/accept", null, Ct)).EnsureSuccessStatusCode();
        var staffId = (await member.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct)).GetProperty("id").GetString()!;

        await AssertFieldAsync(await owner.PutAsync($"/api/v1/workspace/members/{staffId}", Json("{}"), Ct), "role");
        await AssertFieldAsync(await owner.PutAsync($"/api/v1/workspace/members/{staffId}", Json("{\"role\":null}"), Ct), "role");
        await AssertFieldAsync(await owner.PutAsync($"/api/v1/workspace/members/{staffId}", Json("{\"role\":\"superuser\"}"), Ct), "role");
        await AssertFieldAsync(await owner.PutAsync($"/api/v1/workspace/members/{staffId}", Json("{\"role\":0}"), Ct), "role");

        var members = await owner.GetFromJsonAsync<JsonElement>("/api/v1/workspace/members", Ct);
        Assert.Equal("creator", members.EnumerateArray().Single(m => m.GetProperty("userId").GetString() == staffId).GetProperty("role").GetString());
        var changed = await owner.PutAsync($"/api/v1/workspace/members/{staffId}", Json("{\"role\":\"manager\"}"), Ct);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
    }

    /// <summary>The audit as a test: a request body's enum is nullable (the service names it when missing) or has a default.</summary>
    [Fact]
    public void RequestBodies_HaveNoEnumThatDefaultsSilentlyWhenMissing()
    {
        var requestTypes = typeof(Program).Assembly.GetTypes()
            .Where(t => t.Namespace?.StartsWith("Scheduling.Web.Features", StringComparison.Ordinal) == true
                && (t.Name.EndsWith("Request", StringComparison.Ordinal) || t.Name.EndsWith("Input", StringComparison.Ordinal)))
            .ToList();
        Assert.Contains(requestTypes, t => t.Name == "ChangeRoleRequest");

        var silent = new List<string>();
        foreach (var type in requestTypes)
        {
            var optional = type.GetConstructors().SelectMany(c => c.GetParameters()).Where(p => p.HasDefaultValue).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            silent.AddRange(type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.PropertyType.IsEnum && !optional.Contains(p.Name))
                .Select(p => $"{type.Name}.{p.Name}"));
        }
        Assert.Empty(silent);
    }

    [Theory]
    [InlineData("a b@c.d")]
    [InlineData("\u0000@x.y")]
    [InlineData("name@")]
    [InlineData("@example.com")]
    [InlineData("Someone <someone@example.com>")]
    [InlineData("a@b@example.com")]
    public async Task Invite_InvalidAddress_Is400NamingEmail(string address)
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var owner = await Session.RegisterAsync(app, "inviter@example.com");

        await AssertFieldAsync(await owner.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = address, role = "creator" }, Ct), "email");
        Assert.Empty((await owner.GetFromJsonAsync<JsonElement>("/api/v1/workspace/invitations", Ct)).EnumerateArray());
    }

    [Theory]
    [InlineData("a b@c.d")]
    [InlineData("\u0000@x.y")]
    public async Task Register_InvalidAddress_ShowsTheErrorAndCreatesNoAccount(string address)
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var client = app.CreateBrowserLikeClient();

        var response = await Session.PostFormAsync(client, "/Account/Register", "register", new()
        {
            ["Input.Email"] = address,
            ["Input.Password"] = Session.Password,
            ["Input.ConfirmPassword"] = Session.Password,
        });

        // A NUL cannot be typed: the form reader refuses it (400) before the page sees it; a space gets the form's message.
        if (!address.Contains('\0', StringComparison.Ordinal))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("Enter a valid email address", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(Ct)), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task AcceptInvitationPage_NamesTheWorkspaceAndTheRole()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var owner = await Session.RegisterAsync(app, "host@example.com");
        var guest = await Session.RegisterAsync(app, "guest@example.com");
        var me = await owner.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);
        var workspaceName = me.GetProperty("workspaces").EnumerateArray().Single().GetProperty("name").GetString()!;
        var invite = await (await owner.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = "guest@example.com", role = "manager" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var path = new Uri(invite.GetProperty("acceptUrl").GetString()!).AbsolutePath;

        var page = WebUtility.HtmlDecode(await guest.GetStringAsync(path, Ct));

        Assert.Contains($"join the workspace {workspaceName} as Manager", System.Text.RegularExpressions.Regex.Replace(page, "<[^>]+>", ""), StringComparison.Ordinal);
    }
}
