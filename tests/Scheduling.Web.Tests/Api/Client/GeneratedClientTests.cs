using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Api.Client.Generated;
using Scheduling.Web.Tests.Api.Client.Generated.Models;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Api.Client;

/// <summary>
/// The C# client Kiota generates from /openapi/v1.json (scripts/generate-client.sh → Generated/) works against the app
/// on a real port, the way an integration would use it.
/// </summary>
public sealed class GeneratedClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Token = "sch_generated-client-journey-token";

    [Fact]
    public async Task GeneratedClient_IsCurrent_WithTheDocumentTheAppServes()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var served = JsonNode.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json", Ct))!.AsObject();
        served.Remove("servers");
        var path = Path.Combine(OpenApiLintTests.RepositoryRoot(), "tests", "Scheduling.Web.Tests", "Api", "Client", "openapi.json");
        var generatedFrom = JsonNode.Parse(await File.ReadAllTextAsync(path, Ct))!;

        Assert.True(JsonNode.DeepEquals(served, generatedFrom),
            "The API changed since the client in tests/Scheduling.Web.Tests/Api/Client/Generated was generated: run scripts/generate-client.sh and commit the result.");
    }

    [Fact]
    public async Task Journey_CreateReadNextRunsPauseResumeRunNow_AndA400AsATypedProblem()
    {
        await using var app = new AppFactory(await TestDatabase.CreateAsync(DatabaseProvider.Sqlite),
            new Dictionary<string, string?>
            {
                ["Execution:RunServer"] = "false",
                ["Execution:RunDispatcher"] = "false",
                // The integration's credential: a personal access token of a workspace Owner.
                ["Seed:AdminEmail"] = "integration@example.com",
                ["Seed:AdminPassword"] = Session.Password,
                ["Seed:ApiToken"] = Token,
            });
        app.UseKestrel(0);
        app.StartServer();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://", StringComparison.Ordinal));
        Assert.StartsWith("http://127.0.0.1:", baseUrl.Replace("localhost", "127.0.0.1", StringComparison.Ordinal));

        using var http = new HttpClient();
        var client = new SchedulingApiClient(new HttpClientRequestAdapter(new PersonalAccessToken(Token), httpClient: http) { BaseUrl = baseUrl });

        var created = await client.Api.V1.Schedules.PostAsync(new ScheduleInput
        {
            Name = "Weekly render",
            JobType = JobType.Video_generation,
            ScheduleType = ScheduleType.Recurring,
            Timezone = "America/New_York",
            Recurrence = new RecurrenceInput { Rrule = "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0", Start = "2030-01-01T00:00" },
        }, cancellationToken: Ct);
        Assert.NotNull(created?.Id);
        Assert.Equal(ScheduleStatus.Active, created.Status);
        var schedule = client.Api.V1.Schedules[created.Id!.Value];

        var next = await schedule.Next.GetAsync(r => r.QueryParameters.Count = 3, Ct);
        Assert.Equal(3, next!.Occurrences!.Count);
        Assert.StartsWith("2030-01-03T09:00", next.Occurrences[0].Local, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2030, 1, 3, 14, 0, 0, TimeSpan.Zero), next.Occurrences[0].Utc);

        var paused = await schedule.Pause.PostAsync(new PauseRequest { Note = "holiday" }, cancellationToken: Ct);
        Assert.Equal(ScheduleStatus.Paused, paused!.Status);
        var resumed = await schedule.Resume.PostAsync(new ResumeRequest { RunMissed = false }, cancellationToken: Ct);
        Assert.Equal(ScheduleStatus.Active, resumed!.Status);

        var run = await schedule.Run.PostAsync(new RunNowRequest(), cancellationToken: Ct);
        Assert.True(run!.IsManual);
        var execution = await client.Api.V1.Executions[run.Id!.Value].GetAsync(cancellationToken: Ct);
        Assert.Equal(created.Id, execution!.Execution!.ScheduleId);
        Assert.Equal(ExecutionStatus.Pending, execution.Execution.Status);

        // Resuming an active schedule is a 409: a typed problem too.
        var conflict = await Assert.ThrowsAsync<ProblemDetails>(() => schedule.Resume.PostAsync(new ResumeRequest(), cancellationToken: Ct));
        Assert.Equal(409, conflict.ResponseStatusCode);

        var invalid = await Assert.ThrowsAsync<HttpValidationProblemDetails>(() => client.Api.V1.Schedules.PostAsync(new ScheduleInput
        {
            Name = "",
            JobType = JobType.Publish,
            Timezone = "Europe/Paris",
            ScheduleType = ScheduleType.Once,
            ScheduledAt = "2030-05-01T09:00",
        }, cancellationToken: Ct));
        Assert.Equal(400, invalid.ResponseStatusCode);
        Assert.Equal(400, invalid.Status);
        Assert.Contains("name", invalid.Errors!.AdditionalData.Keys);
    }

    /// <summary>The Bearer scheme of the document: a personal access token in the Authorization header.</summary>
    private sealed class PersonalAccessToken(string token) : IAuthenticationProvider
    {
        public Task AuthenticateRequestAsync(RequestInformation request, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default)
        {
            request.Headers.Add("Authorization", $"Bearer {token}");
            return Task.CompletedTask;
        }
    }
}
