using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Alerts;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Api;

/// <summary>
/// A user with their own workspace holding one row of every kind the API addresses by id (schedule, run,
/// token, pending invitation, member, alert), so that the walks over the OpenAPI document hit real rows.
/// </summary>
public sealed class WorkspaceFixtures
{
    private readonly AppFactory _app;
    private int _serial;

    private WorkspaceFixtures(AppFactory app, string email)
    {
        _app = app;
        Email = email;
        Marker = $"marker-{Guid.NewGuid():N}";
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public string Email { get; }

    /// <summary>A string in the names of this workspace's rows: another workspace's caller must never see it.</summary>
    public string Marker { get; }

    public HttpClient Browser { get; private set; } = null!;
    public HttpClient Bearer { get; private set; } = null!;
    public string UserId { get; private set; } = "";
    public Guid WorkspaceId { get; private set; }
    public Guid ScheduleId { get; private set; }
    public Guid ExecutionId { get; private set; }
    public Guid TokenId { get; private set; }
    public Guid InvitationId { get; private set; }
    public string InvitationSecret { get; private set; } = "";
    public string MemberUserId { get; private set; } = "";
    public Guid AlertId { get; private set; }
    public Guid EventSubscriptionId { get; private set; }
    public Guid SeriesId { get; private set; }

    public static async Task<WorkspaceFixtures> CreateAsync(AppFactory app, string email)
    {
        var fixtures = new WorkspaceFixtures(app, email);
        fixtures.Browser = await Session.RegisterAsync(app, email);
        fixtures.Bearer = app.CreateBearerClient(await Session.CreateTokenAsync(fixtures.Browser, "fixtures"));
        var me = await fixtures.Bearer.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);
        fixtures.UserId = me.GetProperty("id").GetString()!;
        fixtures.WorkspaceId = me.GetProperty("currentWorkspaceId").GetGuid();
        await fixtures.SendOkAsync(HttpMethod.Put, $"/api/v1/workspaces/{fixtures.WorkspaceId}", new { name = $"Workspace {fixtures.Marker}" });
        foreach (var resource in new[] { "schedules", "executions", "tokens", "invitations", "members", "alerts", "event-subscriptions", "series" })
        {
            await fixtures.RefreshAsync(resource);
        }
        return fixtures;
    }

    /// <summary>The value of a path parameter addressing this workspace's row; null when no fixture fits.</summary>
    public string? IdFor(string resource, string parameter) => (resource, parameter) switch
    {
        ("workspaces", _) => WorkspaceId.ToString(),
        ("schedules", _) => ScheduleId.ToString(),
        ("executions", _) => ExecutionId.ToString(),
        ("tokens", _) => TokenId.ToString(),
        ("invitations", "secret") => InvitationSecret,
        ("invitations", _) => InvitationId.ToString(),
        ("members", _) => MemberUserId,
        ("alerts", _) => AlertId.ToString(),
        ("event-subscriptions", _) => EventSubscriptionId.ToString(),
        ("series", _) => SeriesId.ToString(),
        // An episode of the series fixture, by its number.
        ("episodes", "number") => "1",
        _ => null,
    };

    /// <summary>Recreates the fixture of a collection (after a case deleted or cancelled it).</summary>
    public async Task RefreshAsync(string resource)
    {
        var n = Interlocked.Increment(ref _serial);
        switch (resource)
        {
            case "schedules":
                ScheduleId = (await SendOkAsync(HttpMethod.Post, "/api/v1/schedules", Schedule($"Schedule {Marker} {n}"))).GetProperty("id").GetGuid();
                break;
            case "executions":
                var run = await SendOkAsync(HttpMethod.Post, $"/api/v1/schedules/{ScheduleId}/run", new { });
                ExecutionId = run.GetProperty("id").GetGuid();
                break;
            case "tokens":
                TokenId = (await SendOkAsync(HttpMethod.Post, "/api/v1/tokens", new { name = $"Token {Marker} {n}" })).GetProperty("token").GetProperty("id").GetGuid();
                break;
            case "invitations":
                var invitation = await SendOkAsync(HttpMethod.Post, "/api/v1/workspace/invitations", new { email = $"invitee-{n}-{Marker}@example.com", role = "creator" });
                InvitationId = invitation.GetProperty("invitation").GetProperty("id").GetGuid();
                InvitationSecret = invitation.GetProperty("acceptUrl").GetString()!.Split('/').Last();
                break;
            case "members":
                MemberUserId = await AddMemberAsync($"member-{n}-{Marker}@example.com", "creator");
                break;
            case "alerts":
                AlertId = await AddAlertAsync();
                break;
            case "event-subscriptions":
                EventSubscriptionId = (await SendOkAsync(HttpMethod.Post, "/api/v1/workspace/event-subscriptions", new { url = "https://example.com/hook", events = new[] { "*" }, description = $"Events {Marker} {n}" }))
                    .GetProperty("subscription").GetProperty("id").GetGuid();
                break;
            case "series":
                SeriesId = (await SendOkAsync(HttpMethod.Post, "/api/v1/schedules/series", new
                {
                    name = $"Series {Marker} {n}",
                    jobType = "publish",
                    episodeCount = 3,
                    timezone = "Europe/Paris",
                    recurrence = new { rrule = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", start = "2030-01-07T00:00:00" },
                })).GetProperty("id").GetGuid();
                break;
        }
    }

    /// <summary>Registers a user and has them accept an invitation to this workspace; returns their user id.</summary>
    public async Task<string> AddMemberAsync(string email, string role) => (await JoinAsync(email, role)).UserId;

    public async Task<(string UserId, HttpClient Bearer)> JoinAsync(string email, string role)
    {
        var invitation = await SendOkAsync(HttpMethod.Post, "/api/v1/workspace/invitations", new { email, role });
        var browser = await Session.RegisterAsync(_app, email);
        var accepted = await browser.PostAsync($"/api/v1/invitations/{invitation.GetProperty("acceptUrl").GetString()!.Split('/').Last()}/accept", null, Ct);
        Assert.True(accepted.IsSuccessStatusCode, $"{email} could not join: {(int)accepted.StatusCode}");
        var bearer = _app.CreateBearerClient(await Session.CreateTokenAsync(browser, "member"));
        return ((await bearer.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct)).GetProperty("id").GetString()!, bearer);
    }

    /// <summary>A valid schedule body (a weekly recurrence in 2030, so nothing falls due during a test).</summary>
    public static object Schedule(string name) => new
    {
        name,
        jobType = "video_generation",
        jobConfig = new { format = "mp4" },
        scheduleType = "recurring",
        timezone = "America/New_York",
        recurrence = new { rrule = "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0", start = "2030-01-01T00:00:00" },
        priority = "high",
        retry = new { maxAttempts = 3, strategy = "exponential", baseDelaySeconds = 10, maxDelaySeconds = 600 },
    };

    // Alerts are raised by the evaluator from run history; writing the row is the cheap way to have one.
    private async Task<Guid> AddAlertAsync()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        var alert = new Alert
        {
            Id = Guid.NewGuid(),
            WorkspaceId = WorkspaceId,
            ScheduleId = ScheduleId,
            Kind = AlertKind.ConsecutiveFailures,
            Key = $"fixture-{Guid.NewGuid():N}",
            Message = $"Alert {Marker}",
            CreatedAt = DateTime.UtcNow,
        };
        db.Alerts.Add(alert);
        await db.SaveChangesAsync(Ct);
        return alert.Id;
    }

    private async Task<JsonElement> SendOkAsync(HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        var response = await Bearer.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"Fixture {method} {path} gave {(int)response.StatusCode}: {text}");
        return response.StatusCode == HttpStatusCode.NoContent ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
