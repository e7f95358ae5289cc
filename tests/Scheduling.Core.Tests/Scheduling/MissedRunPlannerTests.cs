using NodaTime;
using Scheduling.Core.Scheduling;

namespace Scheduling.Core.Tests.Scheduling;

public class MissedRunPlannerTests
{
    private static readonly Instant Now = Instant.FromUtc(2030, 1, 10, 12, 0);
    private static readonly MissedRunOptions Options = new(TimeSpan.FromMinutes(5), TimeSpan.FromDays(1));

    /// <summary>Hourly occurrences from <paramref name="from"/>, forever (the planner must stop by itself).</summary>
    private static IEnumerable<Instant> Hourly(Instant from)
    {
        for (var at = from; ; at += Duration.FromHours(1))
        {
            yield return at;
        }
    }

    [Fact]
    public void Plan_OnTimeOccurrence_RunsAndAdvancesToTheNextOne()
    {
        var plan = MissedRunPlanner.Plan(Hourly(Now - Duration.FromSeconds(2)), Now, MissedRunPolicy.Skip, Options, remainingRuns: null);

        Assert.Equal([new PlannedRun(Now - Duration.FromSeconds(2), PlannedRunAction.Run)], plan.Runs);
        Assert.Equal(Now - Duration.FromSeconds(2) + Duration.FromHours(1), plan.NextRunAt);
    }

    [Fact]
    public void Plan_AnOccurrenceSkippedByHand_IsRecordedAsSkipped_DoesNotCount_AndIsNeverTheLatestToRun()
    {
        var skipped = Now - Duration.FromSeconds(2);
        var missed = skipped - Duration.FromHours(1);

        var onTime = MissedRunPlanner.Plan(Hourly(skipped), Now, MissedRunPolicy.RunAll, Options, remainingRuns: 1, skippedByHand: new HashSet<Instant> { skipped });
        // Down for an hour before the skipped one: run_latest runs the one before it, not the skipped one.
        var catchingUp = MissedRunPlanner.Plan(Hourly(missed), Now, MissedRunPolicy.RunLatest, Options, remainingRuns: null, skippedByHand: new HashSet<Instant> { skipped });

        Assert.Equal([new PlannedRun(skipped, PlannedRunAction.Skip, MissedRunPlanner.SkippedByHandReason)], onTime.Runs);
        Assert.Equal((skipped + Duration.FromHours(1), false), (onTime.NextRunAt, onTime.LimitReached));
        Assert.Equal([new PlannedRun(missed, PlannedRunAction.Run), new PlannedRun(skipped, PlannedRunAction.Skip, MissedRunPlanner.SkippedByHandReason)], catchingUp.Runs);
    }

    [Fact]
    public void Plan_NothingDue_RecordsNothing()
    {
        var plan = MissedRunPlanner.Plan(Hourly(Now + Duration.FromMinutes(1)), Now, MissedRunPolicy.RunAll, Options, null);

        Assert.Empty(plan.Runs);
        Assert.Equal(Now + Duration.FromMinutes(1), plan.NextRunAt);
    }

    [Fact]
    public void Plan_RunAllAfterThirtyHoursDown_RunsTheLastDayAndSkipsOlderWithTheReason()
    {
        var plan = MissedRunPlanner.Plan(Hourly(Now - Duration.FromHours(30)), Now, MissedRunPolicy.RunAll, Options, null);

        Assert.Equal(31, plan.Runs.Count);
        Assert.All(plan.Runs.Take(6), r => Assert.Equal(PlannedRunAction.Skip, r.Action));
        Assert.Contains("catch-up window (1 day(s))", plan.Runs[0].Reason, StringComparison.Ordinal);
        Assert.All(plan.Runs.Skip(6), r => Assert.Equal(PlannedRunAction.Run, r.Action));
        Assert.Equal(Now + Duration.FromHours(1), plan.NextRunAt);
    }

    [Fact]
    public void Plan_WithAHorizon_TakesUpcomingOccurrencesAsRuns_NeverAsMissed()
    {
        var plan = MissedRunPlanner.Plan(Hourly(Now + Duration.FromSeconds(3)), Now, MissedRunPolicy.Skip, Options, null, horizon: Now + Duration.FromSeconds(5));

        Assert.Equal([new PlannedRun(Now + Duration.FromSeconds(3), PlannedRunAction.Run)], plan.Runs);
        Assert.Equal(Now + Duration.FromSeconds(3) + Duration.FromHours(1), plan.NextRunAt);
    }

    [Fact]
    public void Plan_HorizonBeforeNow_IsNow()
    {
        var plan = MissedRunPlanner.Plan(Hourly(Now + Duration.FromSeconds(3)), Now, MissedRunPolicy.Skip, Options, null, horizon: Now - Duration.FromSeconds(5));

        Assert.Empty(plan.Runs);
        Assert.Equal(Now + Duration.FromSeconds(3), plan.NextRunAt);
    }

    [Fact]
    public void Plan_RunLatestWithAHorizon_RunsTheLatestMissedAndTheUpcomingOne()
    {
        // Missed at 09:30, 10:30, 11:30 (past the grace), and 12:00:03 is three seconds ahead.
        static IEnumerable<Instant> Times()
        {
            yield return Now - Duration.FromMinutes(150);
            yield return Now - Duration.FromMinutes(90);
            yield return Now - Duration.FromMinutes(30);
            yield return Now + Duration.FromSeconds(3);
            yield return Now + Duration.FromHours(1);
        }

        var plan = MissedRunPlanner.Plan(Times(), Now, MissedRunPolicy.RunLatest, Options, null, horizon: Now + Duration.FromSeconds(5));

        Assert.Equal([PlannedRunAction.Skip, PlannedRunAction.Skip, PlannedRunAction.Run, PlannedRunAction.Run], plan.Runs.Select(r => r.Action));
        Assert.Equal(Now + Duration.FromHours(1), plan.NextRunAt);
    }

    [Fact]
    public void Plan_HorizonAndMaxRuns_StopsAtTheLimit()
    {
        var plan = MissedRunPlanner.Plan(Hourly(Now - Duration.FromSeconds(1)), Now, MissedRunPolicy.RunAll, Options, remainingRuns: 1, horizon: Now + Duration.FromHours(2));

        Assert.Equal([new PlannedRun(Now - Duration.FromSeconds(1), PlannedRunAction.Run)], plan.Runs);
        Assert.True(plan.LimitReached);
        Assert.Null(plan.NextRunAt);
    }

    [Fact]
    public void Plan_RunLatest_RunsOnlyTheMostRecentMissed()
    {
        var plan = MissedRunPlanner.Plan(Hourly(Now - Duration.FromHours(3) - Duration.FromMinutes(30)), Now, MissedRunPolicy.RunLatest, Options, null);

        Assert.Equal([PlannedRunAction.Skip, PlannedRunAction.Skip, PlannedRunAction.Skip, PlannedRunAction.Run], plan.Runs.Select(r => r.Action));
        Assert.Equal(Now - Duration.FromMinutes(30), plan.Runs[^1].ScheduledFor);
    }

    [Fact]
    public void Plan_Skip_RecordsEveryMissedRunAsSkipped()
    {
        var plan = MissedRunPlanner.Plan(Hourly(Now - Duration.FromHours(2)), Now, MissedRunPolicy.Skip, Options, null);

        Assert.Equal(3, plan.Runs.Count);
        Assert.All(plan.Runs.Take(2), r => Assert.Equal(PlannedRunAction.Skip, r.Action));
        // The one due exactly now is on time.
        Assert.Equal(PlannedRunAction.Run, plan.Runs[2].Action);
    }

    [Fact]
    public void Plan_WithinGrace_IsNotMissed()
    {
        var plan = MissedRunPlanner.Plan(Hourly(Now - Duration.FromMinutes(4)), Now, MissedRunPolicy.Skip, Options, null);

        Assert.Equal(PlannedRunAction.Run, Assert.Single(plan.Runs).Action);
    }

    [Fact]
    public void Plan_RemainingRunsReached_StopsAndReportsTheLimit()
    {
        var plan = MissedRunPlanner.Plan(Hourly(Now - Duration.FromHours(3)), Now, MissedRunPolicy.RunAll, Options, remainingRuns: 2);

        Assert.Equal(2, plan.RunCount);
        Assert.True(plan.LimitReached);
        Assert.Null(plan.NextRunAt);
    }

    [Fact]
    public void Plan_MoreDueThanOnePass_RecordsAPassAndLeavesTheRestDue()
    {
        var options = Options with { MaxPerPass = 10 };

        var plan = MissedRunPlanner.Plan(Hourly(Now - Duration.FromHours(100)), Now, MissedRunPolicy.RunLatest, options, null);

        Assert.Equal(10, plan.Runs.Count);
        Assert.All(plan.Runs, r => Assert.Equal(PlannedRunAction.Skip, r.Action));
        Assert.Equal(Now - Duration.FromHours(90), plan.NextRunAt);
    }

    [Fact]
    public void Plan_FiniteRuleEnds_NextRunIsNull()
    {
        var plan = MissedRunPlanner.Plan([Now - Duration.FromMinutes(1)], Now, MissedRunPolicy.RunAll, Options, null);

        Assert.Single(plan.Runs);
        Assert.Null(plan.NextRunAt);
        Assert.False(plan.LimitReached);
    }
}

public class OverlapRulesTests
{
    [Theory]
    [InlineData(OverlapPolicy.Skip, 0, 0, OverlapDecision.Start)]
    [InlineData(OverlapPolicy.Skip, 1, 0, OverlapDecision.Skip)]
    [InlineData(OverlapPolicy.QueueOne, 1, 0, OverlapDecision.Wait)]
    [InlineData(OverlapPolicy.QueueOne, 1, 1, OverlapDecision.Skip)]
    [InlineData(OverlapPolicy.QueueAll, 1, 5, OverlapDecision.Wait)]
    [InlineData(OverlapPolicy.QueueAll, 0, 1, OverlapDecision.Wait)]
    [InlineData(OverlapPolicy.Allow, 3, 0, OverlapDecision.Start)]
    public void Decide_RunningAndWaitingRuns_FollowsThePolicy(OverlapPolicy policy, int running, int waitingAhead, OverlapDecision expected)
    {
        Assert.Equal(expected, OverlapRules.Decide(policy, running, waitingAhead));
    }
}
