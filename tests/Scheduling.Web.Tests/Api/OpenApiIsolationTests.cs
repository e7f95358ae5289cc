using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Api;

/// <summary>
/// Walks every operation of the OpenAPI document: another workspace's ids are 404 to an outsider and a Manager can
/// change nothing (403). An endpoint added later is walked as soon as it is in the document; the exceptions below
/// are listed by name, each with its reason.
/// </summary>
public class OpenApiIsolationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string?> Quiet = new()
    {
        ["Execution:RunServer"] = "false",
        ["Execution:RunDispatcher"] = "false",
    };

    /// <summary>Operations with an id whose answer to an outsider is not 404, and why.</summary>
    private static readonly Dictionary<string, (int Status, string Why)> OutsiderExceptions = new()
    {
        // The secret is the capability, not a workspace row: a signed-in holder of the link who is not the invitee
        // is told which address it was sent to (403), and joins nothing.
        ["POST /api/v1/invitations/{secret}/accept"] = (403, "addressed by its secret link, answered to the link's holder"),
    };

    /// <summary>Writes a Manager may make: their own account, not the workspace's content.</summary>
    private static readonly Dictionary<string, string> ManagerMayWrite = new()
    {
        ["PUT /api/v1/me"] = "their own profile",
        ["POST /api/v1/workspaces"] = "a new workspace of their own",
        ["POST /api/v1/workspaces/{id}/switch"] = "which of their workspaces is current",
        ["POST /api/v1/tokens"] = "their own API token (it carries their Manager role)",
        ["POST /api/v1/invitations/{secret}/accept"] = "joining by an invitation addressed to them",
        ["POST /api/v1/recurrence/preview"] = "anonymous: expands a rule, stores nothing",
        // Tokens are per user: another member's token is 404 to them (as in the outsider walk), their own they may revoke.
        ["DELETE /api/v1/tokens/{id}"] = "revoking their own API token",
        // A feed is a read-only view of the calendar a Manager may already read; feeds are per user like tokens.
        ["POST /api/v1/calendar/feeds"] = "their own ICS feed of the calendar they may read",
        ["DELETE /api/v1/calendar/feeds/{id}"] = "revoking their own ICS feed",
    };

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task EveryOperationWithAnId_CalledWithAnotherWorkspacesIds_Returns404AndShowsNothingOfIt(DatabaseProvider provider)
    {
        var exceptions = new UnhandledExceptions();
        await using var app = await AppFactory.StartAsync(provider, Quiet, services => services.AddSingleton<ILoggerProvider>(exceptions));
        var alice = await WorkspaceFixtures.CreateAsync(app, "alice@example.com");
        var bob = await WorkspaceFixtures.CreateAsync(app, "bob@example.com");
        var document = await ApiWalk.DocumentAsync(app);
        var bodies = new OpenApiFuzzer(document, new Random(1));
        var secrets = Secrets(bob);

        var walked = new List<string>();
        var failures = new List<string>();
        foreach (var operation in document.All.Where(o => o.PathParameters.Any(OpenApiOperation.IsIdentifier)))
        {
            var path = ApiWalk.PathFor(document, operation, p => ApiWalk.FixtureValue(document, operation, p, OpenApiOperation.IsIdentifier(p) ? bob : alice));
            var body = operation.BodySchema is null ? null : bodies.ValidBody(operation).ToJsonString();
            var result = await ApiWalk.SendAsync(alice.Bearer, exceptions, operation.Method, path, body, operation.BodyContentType);
            walked.Add(operation.Name);

            var expected = OutsiderExceptions.TryGetValue(operation.Name, out var exception) ? exception.Status : 404;
            if (result.Status != expected || result.Exceptions.Count > 0)
            {
                failures.Add($"{operation.Name}: expected {expected}\n   {result}");
            }
            else if (expected == 404 && secrets.FirstOrDefault(s => result.Response.Contains(s, StringComparison.OrdinalIgnoreCase)) is { } leaked)
            {
                failures.Add($"{operation.Name}: the answer shows Bob's '{leaked}'\n   {result}");
            }
        }

        // Ids in query strings (scheduleId filters) find nothing of Bob's either.
        foreach (var operation in document.All.Where(o => o.IsApi && o.Method == "GET" && o.QueryParameters.Any(OpenApiOperation.IsIdentifier)))
        {
            var query = string.Join("&", operation.QueryParameters.Where(OpenApiOperation.IsIdentifier)
                .Select(p => $"{p.Name}={bob.IdFor(p.Name[..^2] + "s", p.Name) ?? Guid.NewGuid().ToString()}")); // scheduleId: schedules
            var result = await ApiWalk.SendAsync(alice.Bearer, exceptions, "GET", $"{operation.PathTemplate}?{query}", null, null);
            walked.Add($"{operation.Name}?{query.Split('=')[0]}");
            if (result.Status is not (200 or 404) || result.Exceptions.Count > 0
                || secrets.FirstOrDefault(s => result.Response.Contains(s, StringComparison.OrdinalIgnoreCase)) is not null)
            {
                failures.Add($"{operation.Name} with Bob's id in the query: expected 404 or nothing of Bob's\n   {result}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {walked.Count} operations let Alice reach Bob's workspace:\n{string.Join("\n", failures)}");
        Assert.Contains("GET /api/v1/schedules/{id}", walked);
        await AssertUntouchedAsync(bob);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task EveryWriteOperation_AsManager_Returns403AndChangesNothing(DatabaseProvider provider)
    {
        var exceptions = new UnhandledExceptions();
        await using var app = await AppFactory.StartAsync(provider, Quiet, services => services.AddSingleton<ILoggerProvider>(exceptions));
        var owner = await WorkspaceFixtures.CreateAsync(app, "owner@example.com");
        var (_, manager) = await owner.JoinAsync("manager@example.com", "manager");
        var document = await ApiWalk.DocumentAsync(app);
        var bodies = new OpenApiFuzzer(document, new Random(1));

        var walked = new List<string>();
        var failures = new List<string>();
        foreach (var operation in document.All.Where(o => o.IsApi && o.IsWrite && !ManagerMayWrite.ContainsKey(o.Name)))
        {
            var path = ApiWalk.PathFor(document, operation, p => ApiWalk.FixtureValue(document, operation, p, owner));
            var body = operation.BodySchema is null ? null : RealWrite(bodies.ValidBody(operation)).ToJsonString();
            var result = await ApiWalk.SendAsync(manager, exceptions, operation.Method, path, body, operation.BodyContentType);
            walked.Add(operation.Name);
            if (result.Status != 403 || result.Exceptions.Count > 0 || result.MediaType != "application/problem+json")
            {
                failures.Add($"{operation.Name}: expected 403 problem details\n   {result}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {walked.Count} write operations let a Manager through:\n{string.Join("\n", failures)}");
        Assert.Contains("DELETE /api/v1/schedules/{id}", walked);
        await AssertUntouchedAsync(owner);
    }

    // A dry run (backfill) is a preview a Manager may read; the walk asks for the real write.
    private static System.Text.Json.Nodes.JsonNode RealWrite(System.Text.Json.Nodes.JsonNode body)
    {
        if (body is System.Text.Json.Nodes.JsonObject fields && fields.ContainsKey("dryRun"))
        {
            fields["dryRun"] = false;
        }
        return body;
    }

    // What would show that an answer came from Bob's workspace: the marker in his rows' names, his addresses, his ids.
    private static string[] Secrets(WorkspaceFixtures bob) =>
    [
        bob.Marker, bob.Email, bob.UserId, bob.MemberUserId, bob.ScheduleId.ToString(), bob.ExecutionId.ToString(), bob.AlertId.ToString(),
    ];

    // Each fixture is still there as it was made: nothing of the walk reached it.
    private static async Task AssertUntouchedAsync(WorkspaceFixtures fixtures)
    {
        var client = fixtures.Bearer;
        var workspace = await client.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{fixtures.WorkspaceId}", Ct);
        Assert.Equal($"Workspace {fixtures.Marker}", workspace.GetProperty("name").GetString());
        var schedule = await client.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{fixtures.ScheduleId}", Ct);
        Assert.Equal("active", schedule.GetProperty("status").GetString());
        Assert.Equal("pending", (await client.GetFromJsonAsync<JsonElement>($"/api/v1/executions/{fixtures.ExecutionId}", Ct)).GetProperty("execution").GetProperty("status").GetString());
        Assert.Contains((await client.GetFromJsonAsync<JsonElement>("/api/v1/tokens", Ct)).EnumerateArray(), t => t.GetProperty("id").GetGuid() == fixtures.TokenId);
        Assert.Contains((await client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/invitations", Ct)).EnumerateArray(), i => i.GetProperty("id").GetGuid() == fixtures.InvitationId);
        var members = (await client.GetFromJsonAsync<JsonElement>("/api/v1/workspace/members", Ct)).EnumerateArray().ToList();
        Assert.Contains(members, m => m.GetProperty("userId").GetString() == fixtures.MemberUserId && m.GetProperty("role").GetString() == "creator");
        Assert.Contains(members, m => m.GetProperty("userId").GetString() == fixtures.UserId && m.GetProperty("role").GetString() == "owner");
        Assert.Contains((await client.GetFromJsonAsync<JsonElement>($"/api/v1/alerts?scheduleId={fixtures.ScheduleId}", Ct)).EnumerateArray(), a => a.GetProperty("id").GetGuid() == fixtures.AlertId);
    }
}
