using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Workspaces;

/// <summary>Nothing of one workspace is visible to, or changeable by, a member of another.</summary>
public class WorkspaceIsolationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task EveryIdOfAnotherWorkspace_Returns404(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var alice = await Session.RegisterAsync(app, "alice@example.com");
        var bob = await Session.RegisterAsync(app, "bob@example.com");

        // Bob's workspace gets one of each kind of row: a member, an invitation and a token.
        var bobMe = await bob.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);
        var bobWorkspace = bobMe.GetProperty("currentWorkspaceId").GetGuid();
        var bobUserId = bobMe.GetProperty("id").GetString()!;
        var carol = await Session.RegisterAsync(app, "carol@example.com");
        var invite = await (await bob.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = "carol@example.com", role = "creator" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var invitationId = invite.GetProperty("invitation").GetProperty("id").GetGuid();
        var pendingInvite = await (await bob.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = "dave@example.com", role = "manager" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var pendingId = pendingInvite.GetProperty("invitation").GetProperty("id").GetGuid();
        var secret = invite.GetProperty("acceptUrl").GetString()!.Split('/').Last();
        (await carol.PostAsync($"/api/v1/invitations/{secret}/accept", null, Ct)).EnsureSuccessStatusCode();
        var carolId = (await carol.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct)).GetProperty("id").GetString()!;
        var bobToken = await (await bob.PostAsJsonAsync("/api/v1/tokens", new { name = "bob's" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var bobTokenId = bobToken.GetProperty("token").GetProperty("id").GetGuid();

        var attempts = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/api/v1/workspaces/{bobWorkspace}", null),
            (HttpMethod.Put, $"/api/v1/workspaces/{bobWorkspace}", new { name = "hijacked" }),
            (HttpMethod.Post, $"/api/v1/workspaces/{bobWorkspace}/switch", null),
            (HttpMethod.Put, $"/api/v1/workspace/members/{carolId}", new { role = "manager" }),
            (HttpMethod.Delete, $"/api/v1/workspace/members/{carolId}", null),
            (HttpMethod.Delete, $"/api/v1/workspace/members/{bobUserId}", null),
            (HttpMethod.Delete, $"/api/v1/workspace/invitations/{pendingId}", null),
            (HttpMethod.Delete, $"/api/v1/tokens/{bobTokenId}", null),
        };
        foreach (var (method, path, body) in attempts)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            var response = await alice.SendAsync(request, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} gave {(int)response.StatusCode}, expected 404");
        }

        // Alice's listings show nothing of Bob's.
        var aliceMembers = await alice.GetFromJsonAsync<JsonElement>("/api/v1/workspace/members", Ct);
        Assert.Equal(["alice@example.com"], aliceMembers.EnumerateArray().Select(m => m.GetProperty("email").GetString()));
        Assert.Empty((await alice.GetFromJsonAsync<JsonElement>("/api/v1/workspace/invitations", Ct)).EnumerateArray());
        Assert.Empty((await alice.GetFromJsonAsync<JsonElement>("/api/v1/tokens", Ct)).EnumerateArray());
        Assert.DoesNotContain((await alice.GetFromJsonAsync<JsonElement>("/api/v1/workspaces", Ct)).EnumerateArray(), w => w.GetProperty("id").GetGuid() == bobWorkspace);

        // And Bob's rows are untouched.
        var bobMembers = await bob.GetFromJsonAsync<JsonElement>("/api/v1/workspace/members", Ct);
        Assert.Equal(2, bobMembers.GetArrayLength());
        Assert.Equal("bob's workspace", (await bob.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{bobWorkspace}", Ct)).GetProperty("name").GetString());
        Assert.Single((await bob.GetFromJsonAsync<JsonElement>("/api/v1/workspace/invitations", Ct)).EnumerateArray());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Manager_CanReadButCannotChangeAnything_Returns403(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var owner = await Session.RegisterAsync(app, "owner@example.com");
        var manager = await Session.RegisterAsync(app, "manager@example.com");
        var workspace = (await owner.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct)).GetProperty("currentWorkspaceId").GetGuid();
        var ownerId = (await owner.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct)).GetProperty("id").GetString();
        var invite = await (await owner.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = "manager@example.com", role = "manager" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var joined = await manager.PostAsync($"/api/v1/invitations/{invite.GetProperty("acceptUrl").GetString()!.Split('/').Last()}/accept", null, Ct);
        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        Assert.Equal("manager", (await joined.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("role").GetString());

        Assert.Equal(2, (await manager.GetFromJsonAsync<JsonElement>("/api/v1/workspace/members", Ct)).GetArrayLength());
        var attempts = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Put, $"/api/v1/workspaces/{workspace}", new { name = "renamed" }),
            (HttpMethod.Post, "/api/v1/workspace/invitations", new { email = "x@example.com", role = "creator" }),
            (HttpMethod.Get, "/api/v1/workspace/invitations", null),
            (HttpMethod.Put, $"/api/v1/workspace/members/{ownerId}", new { role = "manager" }),
            (HttpMethod.Delete, $"/api/v1/workspace/members/{ownerId}", null),
        };
        foreach (var (method, path, body) in attempts)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            var response = await manager.SendAsync(request, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} gave {(int)response.StatusCode}, expected 403");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal("owner's workspace", (await owner.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{workspace}", Ct)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Owners_LastOwnerCannotLeaveOrBeDemoted_Returns409()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var owner = await Session.RegisterAsync(app, "solo@example.com");
        var me = await owner.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);
        var id = me.GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.Conflict, (await owner.DeleteAsync($"/api/v1/workspace/members/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await owner.PutAsJsonAsync($"/api/v1/workspace/members/{id}", new { role = "admin" }, Ct)).StatusCode);
    }

    [Fact]
    public async Task Invitation_ForAnotherEmail_Returns403AndDoesNotJoin()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var owner = await Session.RegisterAsync(app, "inviter@example.com");
        var stranger = await Session.RegisterAsync(app, "stranger@example.com");
        var invite = await (await owner.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = "friend@example.com", role = "creator" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);

        var response = await stranger.PostAsync($"/api/v1/invitations/{invite.GetProperty("acceptUrl").GetString()!.Split('/').Last()}/accept", null, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Single((await stranger.GetFromJsonAsync<JsonElement>("/api/v1/workspaces", Ct)).EnumerateArray());
        Assert.Contains(Directory.GetFiles(app.MailDirectory, "*.eml"), f => File.ReadAllText(f).Contains("To: friend@example.com", StringComparison.Ordinal));
    }
}
