using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Accounts;

public class SeedTests
{
    private const string Token = "seed-token-0123456789abcdef";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> SeedSettings => new()
    {
        ["Seed:AdminEmail"] = "ops@example.com",
        ["Seed:AdminPassword"] = Session.Password,
        ["Seed:ApiToken"] = Token,
    };

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Seed_OnStartup_UserIsAdministratorOwnerAndHoldsTheToken(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider, SeedSettings);

        var me = await app.CreateBearerClient(Token).GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);

        Assert.Equal("ops@example.com", me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("isAdministrator").GetBoolean());
        var workspace = Assert.Single(me.GetProperty("workspaces").EnumerateArray());
        Assert.Equal("owner", workspace.GetProperty("role").GetString());
        var browser = app.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await Session.SignInAsync(browser, "ops@example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/hangfire", Ct)).StatusCode);
    }

    [Fact]
    public async Task Seed_SecondStartOnSameDatabase_IsIdempotentAndRestoresARevokedToken()
    {
        await using var database = new SqliteTestDatabase();
        Guid workspaceId;
        await using (var first = new AppFactory(database, SeedSettings, ownsDatabase: false))
        {
            first.StartServer();
            var bearer = first.CreateBearerClient(Token);
            workspaceId = (await bearer.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct)).GetProperty("currentWorkspaceId").GetGuid();
            var id = (await bearer.GetFromJsonAsync<JsonElement>("/api/v1/tokens", Ct))[0].GetProperty("id").GetGuid();
            Assert.Equal(HttpStatusCode.NoContent, (await bearer.DeleteAsync($"/api/v1/tokens/{id}", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/api/v1/me", Ct)).StatusCode);
        }

        await using var second = new AppFactory(database, SeedSettings, ownsDatabase: false);
        second.StartServer();
        var me = await second.CreateBearerClient(Token).GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);

        Assert.Equal(workspaceId, me.GetProperty("currentWorkspaceId").GetGuid());
        Assert.Single(me.GetProperty("workspaces").EnumerateArray());
        Assert.Single((await second.CreateBearerClient(Token).GetFromJsonAsync<JsonElement>("/api/v1/tokens", Ct)).EnumerateArray());
    }

    public static TheoryData<string, string, string> InvalidSettings => new()
    {
        { "Database:Provider", "Oracle", "Database:Provider" },
        { "Database:MigrateOnStartup", "sometimes", "Database:MigrateOnStartup" },
        { "Seed:ApiToken", "short", "Seed:ApiToken" },
        { "Seed:AdminEmail", "not-an-email", "Seed:AdminEmail" },
        { "Execution:WorkerCount", "0", "Execution:WorkerCount" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task Startup_InvalidSetting_FailsWithMessageNamingTheSetting(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key == "Seed:ApiToken")
        {
            settings["Seed:AdminEmail"] = "ops@example.com";
        }
        await using var app = new AppFactory(new SqliteTestDatabase(), settings);

        var error = Assert.ThrowsAny<Exception>(() => app.StartServer());

        var messages = string.Join(" | ", Flatten(error).Select(e => e.Message));
        Assert.Contains(named, messages, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Startup_SqlServerWithoutConnectionString_FailsNamingTheConnectionString()
    {
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Scheduling"] = "", ["Database:Provider"] = "SqlServer" };
        await using var app = new AppFactory(new SqliteTestDatabase(), settings);

        var error = Assert.ThrowsAny<Exception>(() => app.StartServer());

        Assert.Contains("ConnectionStrings:Scheduling", string.Join(" | ", Flatten(error).Select(e => e.Message)), StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException!)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}
