using Bunit;
using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Pipelines;
using Scheduling.Web.Tests.Components.Executions;

namespace Scheduling.Web.Tests.Components.Pipelines;

/// <summary>Produce now, publish later in the run drawer: the countdown, Publish now and Move (fixed clock).</summary>
public sealed class PublishPanelTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    /// <summary>A run produced at 09:30 UTC and held until two hours later, as the engine leaves it.</summary>
    private static async Task<Execution> HeldRunAsync(ExecutionHarness app, TimeSpan until)
    {
        var schedule = await app.CreateScheduleAsync("Weekly video", JobType.VideoGeneration);
        var run = await app.SeedAsync(schedule, ExecutionHarness.Start.UtcDateTime.AddMinutes(-5), ExecutionStatus.Pending);
        await using var db = await app.NewDbContextAsync();
        var publishAt = app.Clock.GetUtcNow().UtcDateTime + until;
        await db.Executions.Where(e => e.Id == run.Id).ExecuteUpdateAsync(set => set
            .SetProperty(e => e.WaitReason, WaitReason.PublishAt).SetProperty(e => e.PublishAt, publishAt).SetProperty(e => e.NotBefore, publishAt)
            .SetProperty(e => e.Attempts, 1).SetProperty(e => e.Reason, "Produced: ready."), Ct);
        return run;
    }

    [Fact]
    public async Task AHeldRun_CountsDownLive_AndPublishNowMovesItsTimeToNow()
    {
        await using var app = await ExecutionHarness.CreateAsync(viewerZone: "Europe/Paris");
        var run = await HeldRunAsync(app, TimeSpan.FromHours(2));
        var view = (await app.Executions.GetAsync(run.Id, Ct)).Execution;
        Assert.True(view.ReadyToPublish);
        ExecutionView? changed = null;
        var cut = app.Render<PublishPanel>(new Dictionary<string, object?>
        {
            ["Execution"] = view,
            ["Zone"] = NodaTime.DateTimeZoneProviders.Tzdb["Europe/Paris"],
            ["Changed"] = Microsoft.AspNetCore.Components.EventCallback.Factory.Create<ExecutionView>(this, v => changed = v),
        });

        var countdown = cut.Find("[data-testid=publish-countdown]");
        // 11:30 UTC is 12:30 in Paris (winter time on 10 March).
        Assert.Contains("12:30", countdown.TextContent, StringComparison.Ordinal);
        Assert.Contains("in 2 h 00 min", countdown.TextContent, StringComparison.Ordinal);
        Assert.Equal("true", cut.Find("[data-testid=publish-panel]").GetAttribute("data-ready"));

        // The clock moves on; the countdown follows without a reload.
        app.Clock.Advance(TimeSpan.FromMinutes(90) + TimeSpan.FromSeconds(15));
        cut.WaitForAssertion(() => Assert.Contains("in 29 min 45 s", cut.Find("[data-testid=publish-countdown]").TextContent, StringComparison.Ordinal));

        cut.Find("[data-testid=publish-now]").Click();
        cut.WaitForAssertion(() => Assert.NotNull(changed));
        Assert.Equal(app.Clock.GetUtcNow().UtcDateTime, changed!.PublishAt);
        await using var db = await app.NewDbContextAsync();
        var stored = await db.Executions.AsNoTracking().SingleAsync(e => e.Id == run.Id, Ct);
        Assert.Equal(app.Clock.GetUtcNow().UtcDateTime, stored.PublishAt);
        Assert.Equal(WaitReason.PublishAt, stored.WaitReason);
        Assert.NotEqual(run.HangfireJobId, stored.HangfireJobId);
    }

    [Fact]
    public async Task AManager_SeesTheCountdown_ButCannotMoveOrPublish()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var run = await HeldRunAsync(app, TimeSpan.FromDays(2) + TimeSpan.FromHours(3));
        await app.ActAsManagerAsync();
        var view = (await app.Executions.GetAsync(run.Id, Ct)).Execution;
        var cut = app.Render<PublishPanel>(new Dictionary<string, object?> { ["Execution"] = view, ["Zone"] = NodaTime.DateTimeZoneProviders.Tzdb["UTC"] });

        Assert.Contains("in 2 d 3 h", cut.Find("[data-testid=publish-countdown]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=publish-now]"));
        Assert.Empty(cut.FindAll("[data-testid=publish-move]"));
        await Assert.ThrowsAsync<Scheduling.Web.Api.ForbiddenException>(() => app.Executions.MovePublishAsync(run.Id, new PublishAtRequest(DateTime.UtcNow), Ct));
    }
}
