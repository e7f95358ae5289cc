using NodaTime;
using Scheduling.Core.Scheduling;

namespace Scheduling.Core.Tests.Scheduling;

public class RunAdmissionRulesTests
{
    private static readonly Instant Now = Instant.FromUtc(2030, 3, 4, 9, 0, 0);
    private static readonly WorkspaceLimits Limits = new(Concurrency: 2, RatePerMinute: 10, DailyQuota: 100);

    private static RunStartFacts Run(
        bool planned = true, bool cancelled = false, Instant? scheduledFor = null, Instant? due = null, bool startedBefore = false,
        WaitReason reason = WaitReason.None, OverlapPolicy policy = OverlapPolicy.Skip, WorkspaceLoad workspace = default,
        int running = 0, params PendingRun[] pending) =>
        new(planned, cancelled, scheduledFor ?? Now, due ?? scheduledFor ?? Now, startedBefore, reason, policy, workspace, running, pending);

    [Fact]
    public void FreeWorkspace_NothingElseRunning_Starts()
    {
        Assert.IsType<RunAdmission.Start>(RunAdmissionRules.Decide(Run(), Limits, Now));
    }

    [Fact]
    public void PlannedRunOfACancelledSchedule_IsCancelled_AManualOneStillRuns()
    {
        Assert.IsType<RunAdmission.Cancel>(RunAdmissionRules.Decide(Run(cancelled: true), Limits, Now));
        Assert.IsType<RunAdmission.Start>(RunAdmissionRules.Decide(Run(planned: false, cancelled: true), Limits, Now));
    }

    [Fact]
    public void PlannedRunHandedOverBeforeItsTime_WaitsForIt_WithinTheToleranceItStarts()
    {
        var later = Now + Duration.FromSeconds(3);

        var early = Assert.IsType<RunAdmission.NotYetDue>(RunAdmissionRules.Decide(Run(due: later), Limits, Now));

        Assert.Equal(later, early.Due);
        Assert.IsType<RunAdmission.Start>(RunAdmissionRules.Decide(Run(due: Now + Duration.FromMilliseconds(4)), Limits, Now));
        // A retry or a manual run released from a wait is not held back by its occurrence.
        Assert.IsType<RunAdmission.Start>(RunAdmissionRules.Decide(Run(planned: false, due: later), Limits, Now));
    }

    [Theory]
    [InlineData(2, 0, 0, WaitReason.ConcurrencyLimit, 1)]
    [InlineData(0, 10, 0, WaitReason.RateLimit, 5)]
    [InlineData(2, 10, 100, WaitReason.ConcurrencyLimit, 1)]
    public void AWorkspaceAtItsLimit_MakesTheRunWait_ConcurrencyFirst(int running, int lastMinute, int today, WaitReason expected, int recheckSeconds)
    {
        var wait = Assert.IsType<RunAdmission.Wait>(RunAdmissionRules.Decide(Run(workspace: new(running, lastMinute, today)), Limits, Now));

        Assert.Equal(expected, wait.Reason);
        Assert.Equal(Duration.FromSeconds(recheckSeconds), wait.Recheck);
    }

    [Fact]
    public void DailyQuotaUsed_WaitsUntilMidnightUtc_ExceptARetryOfARunThatStartedToday()
    {
        var afternoon = Instant.FromUtc(2030, 3, 4, 15, 30);

        var wait = Assert.IsType<RunAdmission.Wait>(RunAdmissionRules.Decide(Run(scheduledFor: afternoon, workspace: new(0, 0, 100)), Limits, afternoon));

        Assert.Equal(WaitReason.DailyQuota, wait.Reason);
        Assert.Equal(Instant.FromUtc(2030, 3, 5, 0, 0), afternoon + wait.Recheck);
        Assert.IsType<RunAdmission.Start>(RunAdmissionRules.Decide(Run(scheduledFor: afternoon, startedBefore: true, workspace: new(0, 0, 100)), Limits, afternoon));
    }

    [Theory]
    [InlineData(OverlapPolicy.Skip, typeof(RunAdmission.Skip))]
    [InlineData(OverlapPolicy.QueueOne, typeof(RunAdmission.Wait))]
    [InlineData(OverlapPolicy.QueueAll, typeof(RunAdmission.Wait))]
    [InlineData(OverlapPolicy.Allow, typeof(RunAdmission.Start))]
    public void PreviousRunStillGoing_FollowsTheOverlapPolicy(OverlapPolicy policy, Type expected)
    {
        var decision = RunAdmissionRules.Decide(Run(policy: policy, running: 1), Limits, Now);

        Assert.IsType(expected, decision);
        if (decision is RunAdmission.Wait wait)
        {
            Assert.Equal(WaitReason.PreviousRun, wait.Reason);
        }
    }

    [Fact]
    public void QueueOne_ASecondRunWhileOneWaits_IsSkipped()
    {
        var waiting = new PendingRun(Now - Duration.FromMinutes(1), WaitReason.PreviousRun);

        Assert.IsType<RunAdmission.Skip>(RunAdmissionRules.Decide(Run(policy: OverlapPolicy.QueueOne, running: 1, pending: waiting), Limits, Now));
    }

    [Fact]
    public void QueueAll_KeepsOccurrenceOrder_OnlyEarlierWaitingRunsAreAhead()
    {
        var earlier = new PendingRun(Now - Duration.FromMinutes(1), WaitReason.PreviousRun);
        var later = new PendingRun(Now + Duration.FromMinutes(1), WaitReason.PreviousRun);

        Assert.IsType<RunAdmission.Wait>(RunAdmissionRules.Decide(Run(policy: OverlapPolicy.QueueAll, pending: earlier), Limits, Now));
        Assert.IsType<RunAdmission.Start>(RunAdmissionRules.Decide(Run(policy: OverlapPolicy.QueueAll, pending: later), Limits, Now));
    }

    [Fact]
    public void PendingRunsThatWaitForOtherReasons_AreNotAhead()
    {
        var limited = new PendingRun(Now - Duration.FromMinutes(1), WaitReason.RateLimit);

        Assert.IsType<RunAdmission.Start>(RunAdmissionRules.Decide(Run(policy: OverlapPolicy.QueueAll, pending: limited), Limits, Now));
    }

    [Fact]
    public void CatchingUp_WaitsBehindEveryEarlierPendingRun_WhateverThePolicy()
    {
        var earlier = new PendingRun(Now - Duration.FromHours(1), WaitReason.None);

        var wait = Assert.IsType<RunAdmission.Wait>(RunAdmissionRules.Decide(Run(reason: WaitReason.CatchingUp, policy: OverlapPolicy.Skip, pending: earlier), Limits, Now));

        Assert.Equal(WaitReason.CatchingUp, wait.Reason);
        // Behind a running one it waits too, where skip would have skipped it.
        Assert.IsType<RunAdmission.Wait>(RunAdmissionRules.Decide(Run(reason: WaitReason.CatchingUp, policy: OverlapPolicy.Skip, running: 1), Limits, Now));
        Assert.IsType<RunAdmission.Start>(RunAdmissionRules.Decide(Run(reason: WaitReason.CatchingUp, policy: OverlapPolicy.Skip), Limits, Now));
    }

    [Theory]
    [InlineData(WaitReason.PreviousRun, true)]
    [InlineData(WaitReason.CatchingUp, true)]
    [InlineData(WaitReason.RateLimit, false)]
    [InlineData(WaitReason.None, false)]
    public void WaitsForItsSchedule_OnlyOverlapAndCatchUp(WaitReason reason, bool expected)
    {
        Assert.Equal(expected, RunAdmissionRules.WaitsForItsSchedule(reason));
    }

    [Fact]
    public void EpisodeBehindAnOpenEarlierEpisode_WaitsForIt_WhateverTheOverlapPolicyOrRetry_AndTakesNoWorkspaceSlot()
    {
        var held = Run(policy: OverlapPolicy.Allow, workspace: new WorkspaceLoad(Running: 2, 0, 0)) with { EarlierEpisodeOpen = true };

        var wait = Assert.IsType<RunAdmission.Wait>(RunAdmissionRules.Decide(held, Limits, Now));

        Assert.Equal((WaitReason.PreviousEpisode, RunAdmissionRules.EpisodeRecheck), (wait.Reason, wait.Recheck));
        // A retry (not planned) of a held episode waits too; a cancelled schedule still cancels its planned run first.
        Assert.IsType<RunAdmission.Wait>(RunAdmissionRules.Decide(held with { Planned = false, StartedBefore = true }, Limits, Now));
        Assert.IsType<RunAdmission.Cancel>(RunAdmissionRules.Decide(held with { ScheduleCancelled = true }, Limits, Now));
        Assert.IsType<RunAdmission.Start>(RunAdmissionRules.Decide(held with { EarlierEpisodeOpen = false, Workspace = default }, Limits, Now));
    }

    [Theory]
    [InlineData(OverlapPolicy.Skip)]
    [InlineData(OverlapPolicy.QueueOne)]
    [InlineData(OverlapPolicy.QueueAll)]
    public void AProducedRunGoingOnToPublish_IsNotSkippedOrQueued_ByTheNextOccurrencesProduction(OverlapPolicy policy)
    {
        var next = new PendingRun(Now + Duration.FromHours(1), WaitReason.PreviousRun);
        Assert.IsType<RunAdmission.Start>(RunAdmissionRules.Decide(
            Run(planned: false, startedBefore: true, reason: WaitReason.PublishAt, policy: policy, running: 1, pending: next), Limits, Now));
        // The workspace's limits and pauses still hold it.
        var wait = Assert.IsType<RunAdmission.Wait>(RunAdmissionRules.Decide(
            Run(planned: false, startedBefore: true, reason: WaitReason.PublishAt, policy: policy, workspace: new(2, 0, 0)), Limits, Now));
        Assert.Equal(WaitReason.ConcurrencyLimit, wait.Reason);
    }

    [Fact]
    public void AProducedRunReachedBeforeItsPublishTime_WaitsForIt()
    {
        var later = Now + Duration.FromHours(2);
        var held = Run(planned: false, startedBefore: true, reason: WaitReason.PublishAt) with { PublishAt = later };
        Assert.Equal(later, Assert.IsType<RunAdmission.NotYetDue>(RunAdmissionRules.Decide(held, Limits, Now)).Due);
        Assert.IsType<RunAdmission.Start>(RunAdmissionRules.Decide(held with { PublishAt = Now }, Limits, Now));
    }
}
