using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Calendar;

/// <summary>
/// The app at a fixed instant with the dispatcher off, so that the only executions are the ones a test records
/// (as the engine would have), and a signed-in creator.
/// </summary>
internal sealed class CalendarScenario : IAsyncDisposable
{
    private CalendarScenario(AppFactory app, HttpClient client, FakeTimeProvider clock)
    {
        App = app;
        Client = client;
        Clock = clock;
    }

    public AppFactory App { get; }
    public HttpClient Client { get; }
    public FakeTimeProvider Clock { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<CalendarScenario> StartAsync(DatabaseProvider provider, DateTimeOffset now, string email = "planner@example.com",
        IReadOnlyDictionary<string, string?>? extra = null)
    {
        var clock = new FakeTimeProvider(now);
        var settings = new Dictionary<string, string?> { ["Execution:RunDispatcher"] = "false" };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var app = await AppFactory.StartAsync(provider, settings, services => services.AddSingleton<TimeProvider>(clock));
        return new CalendarScenario(app, await Session.RegisterAsync(app, email), clock);
    }

    public static object Daily(string name, string timezone, string time, string start, string? titleTemplate = null, string[]? exdates = null, string jobType = "video_generation") => new
    {
        name,
        jobType,
        timezone,
        titleTemplate,
        recurrence = new { rrule = $"FREQ=DAILY;BYHOUR={int.Parse(time[..2])};BYMINUTE={int.Parse(time[3..])}", start, exdates },
    };

    public async Task<Schedule> CreateAsync(object body, HttpClient? client = null)
    {
        var response = await (client ?? Client).PostAsJsonAsync("/api/v1/schedules", body, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        await using var db = await NewDbContextAsync();
        return await db.Schedules.IgnoreQueryFilters().Include(s => s.Exceptions).SingleAsync(s => s.Id == id, Ct);
    }

    public async Task<AppDbContext> NewDbContextAsync() =>
        await App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);

    /// <summary>A planned run of the occurrence at <paramref name="utc"/>, recorded as the engine does.</summary>
    public async Task<Guid> RecordRunAsync(Schedule schedule, string utc, ExecutionStatus status)
    {
        var run = RecordedRuns.Planned(schedule.WorkspaceId, schedule.Id, schedule.Priority, schedule.JobType, Utc(utc), status);
        await using var db = await NewDbContextAsync();
        db.Executions.Add(run);
        await db.SaveChangesAsync(Ct);
        return run.Id;
    }

    /// <summary>A "run now" at <paramref name="utc"/>: not an occurrence of the rule.</summary>
    public async Task<Guid> RecordManualRunAsync(Schedule schedule, string utc, ExecutionStatus status)
    {
        var run = RecordedRuns.Planned(schedule.WorkspaceId, schedule.Id, schedule.Priority, schedule.JobType, Utc(utc), status);
        run.IsManual = true;
        run.CountsTowardMaxRuns = false;
        run.OccurrenceKey = "manual:" + run.Id;
        await using var db = await NewDbContextAsync();
        db.Executions.Add(run);
        await db.SaveChangesAsync(Ct);
        return run.Id;
    }

    public async Task<JsonElement> CalendarAsync(string query, HttpClient? client = null)
    {
        var response = await (client ?? Client).GetAsync("/api/v1/schedules/calendar?" + query, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    public static IEnumerable<JsonElement> Items(JsonElement calendar) =>
        calendar.GetProperty("days").EnumerateArray().SelectMany(d => d.GetProperty("executions").EnumerateArray());

    public static DateTime Utc(string iso) => DateTime.Parse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
    }
}
