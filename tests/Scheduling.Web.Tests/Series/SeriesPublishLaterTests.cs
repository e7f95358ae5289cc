using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Series;
using Scheduling.Web.Tests.Calendar;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Channels.ChannelApi;

namespace Scheduling.Web.Tests.Series;

/// <summary>
/// A series that publishes later (issue 14): an episode produced and waiting for its publish time lets the next episode
/// produce, but never lets it publish first. The engine asks the series (IRunOrderGate) under its lock; this reads the answer.
/// </summary>
public class SeriesPublishLaterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Now = new(2030, 3, 5, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task AnEpisodeWaitingToPublish_LetsTheNextProduce_ButNotPublishBeforeIt(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Now, extra: new Dictionary<string, string?> { ["Execution:RunServer"] = "false" });
        var (status, series) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules/series", new
        {
            name = "Daily letter",
            jobType = "newsletter",
            template = new { titleTemplate = "{title} #{episode}" },
            episodeCount = 3,
            recurrence = new { frequency = "daily", timesOfDay = new[] { "09:00" }, start = "2030-03-08T00:00" },
            timezone = "America/New_York",
            publishAt = "+2d@12:00",
        });
        Assert.True(status == HttpStatusCode.Created, series.ToString());
        var seriesId = series.GetProperty("id").GetGuid();

        // Episodes 1 and 2 have runs; what episode 1's run is doing decides whether episode 2's may produce or publish.
        Guid first, second;
        await using (var db = await s.NewDbContextAsync())
        {
            var episodes = await db.SeriesEpisodes.IgnoreQueryFilters().Where(e => e.SeriesId == seriesId).OrderBy(e => e.Number).ToListAsync(Ct);
            var schedule = await db.Schedules.IgnoreQueryFilters().SingleAsync(x => x.Id == episodes[0].ScheduleId, Ct);
            var runs = episodes.Take(2).Select(e => RecordedRuns.Planned(schedule.WorkspaceId, schedule.Id, schedule.Priority, schedule.JobType, e.PlannedAt, ExecutionStatus.Pending)).ToList();
            db.Executions.AddRange(runs);
            episodes[0].ExecutionId = runs[0].Id;
            episodes[1].ExecutionId = runs[1].Id;
            await db.SaveChangesAsync(Ct);
            (first, second) = (runs[0].Id, runs[1].Id);
        }
        var gate = s.App.Services.GetRequiredService<IRunOrderGate>();
        async Task<EpisodeRun> SecondAsync()
        {
            await using var db = await s.NewDbContextAsync();
            return (await gate.EpisodesAsync(db, [second], Ct))[second];
        }
        async Task FirstIsAsync(ExecutionStatus status, WaitReason reason, bool started, EpisodeStatus episode = EpisodeStatus.Scheduled)
        {
            await using var db = await s.NewDbContextAsync();
            await db.Executions.IgnoreQueryFilters().Where(e => e.Id == first).ExecuteUpdateAsync(set => set
                .SetProperty(e => e.Status, status).SetProperty(e => e.WaitReason, reason)
                .SetProperty(e => e.StartedAt, started ? Now.UtcDateTime : null).SetProperty(e => e.Attempts, started ? 1 : 0), Ct);
            await db.SeriesEpisodes.IgnoreQueryFilters().Where(e => e.ExecutionId == first).ExecuteUpdateAsync(set => set.SetProperty(e => e.Status, episode), Ct);
        }

        // Episode 1 not started yet: episode 2 waits, whatever it is about to do.
        var waiting = await SecondAsync();
        Assert.Equal((2, true, true), (waiting.Number, waiting.Holds(startedBefore: false), waiting.Holds(startedBefore: true)));

        // Episode 1 producing: the same.
        await FirstIsAsync(ExecutionStatus.Running, WaitReason.None, started: true);
        Assert.Equal((true, true), ((await SecondAsync()).Holds(false), (await SecondAsync()).Holds(true)));

        // Episode 1 produced, waiting for its publish time: episode 2 may produce (a run that has not started)...
        await FirstIsAsync(ExecutionStatus.Pending, WaitReason.PublishAt, started: true);
        var produced = await SecondAsync();
        Assert.False(produced.Holds(startedBefore: false));
        // ...but once started (its production done, going on to publish) it waits for episode 1 to be out.
        Assert.True(produced.Holds(startedBefore: true));

        // Episode 1 published (released): nothing holds episode 2.
        await FirstIsAsync(ExecutionStatus.Completed, WaitReason.None, started: true, EpisodeStatus.Released);
        Assert.Equal((false, false), ((await SecondAsync()).Holds(false), (await SecondAsync()).Holds(true)));
    }
}
