using Scheduling.Core.Scheduling;

namespace Scheduling.Core.Tests.Scheduling;

public class ScheduleStatusMachineTests
{
    public static TheoryData<ScheduleStatus, ScheduleStatus, bool> Table()
    {
        var allowed = new HashSet<(ScheduleStatus, ScheduleStatus)>
        {
            (ScheduleStatus.Active, ScheduleStatus.Paused),
            (ScheduleStatus.Active, ScheduleStatus.Cancelled),
            (ScheduleStatus.Active, ScheduleStatus.Completed),
            (ScheduleStatus.Paused, ScheduleStatus.Active),
            (ScheduleStatus.Paused, ScheduleStatus.Cancelled),
            (ScheduleStatus.Draft, ScheduleStatus.InReview),
            (ScheduleStatus.Draft, ScheduleStatus.Cancelled),
            (ScheduleStatus.InReview, ScheduleStatus.Active),
            (ScheduleStatus.InReview, ScheduleStatus.Draft),
            (ScheduleStatus.InReview, ScheduleStatus.Cancelled),
            (ScheduleStatus.Active, ScheduleStatus.InReview),
            (ScheduleStatus.Paused, ScheduleStatus.InReview),
        };
        var data = new TheoryData<ScheduleStatus, ScheduleStatus, bool>();
        foreach (var from in Enum.GetValues<ScheduleStatus>())
        {
            foreach (var to in Enum.GetValues<ScheduleStatus>())
            {
                data.Add(from, to, allowed.Contains((from, to)));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void CanTransition_EveryPair_MatchesDesign(ScheduleStatus from, ScheduleStatus to, bool allowed)
    {
        Assert.Equal(allowed, ScheduleStatusMachine.CanTransition(from, to));
        Assert.Equal(allowed, ScheduleStatusMachine.TryTransition(from, to, out var error));
        Assert.Equal(allowed, error is null);
    }

    [Fact]
    public void Transition_FromFinal_ThrowsTypedErrorWithMessage()
    {
        var ex = Assert.Throws<InvalidStatusTransitionException>(() => ScheduleStatusMachine.Transition(ScheduleStatus.Cancelled, ScheduleStatus.Active));

        Assert.Equal(new InvalidStatusTransition(ScheduleStatus.Cancelled, ScheduleStatus.Active), ex.Error);
        Assert.Equal("The schedule is cancelled, which is final; it cannot become active.", ex.Message);
    }

    [Theory]
    [InlineData(ScheduleStatus.Paused, ScheduleStatus.Completed, "A paused schedule cannot become completed.")]
    [InlineData(ScheduleStatus.Paused, ScheduleStatus.Paused, "The schedule is already paused.")]
    public void TryTransition_Invalid_ExplainsWhy(ScheduleStatus from, ScheduleStatus to, string message)
    {
        Assert.False(ScheduleStatusMachine.TryTransition(from, to, out var error));
        Assert.Equal(message, error!.Message);
    }

    [Fact]
    public void AllowedFrom_Active_ListsThreeTargets()
    {
        Assert.Equal([ScheduleStatus.Paused, ScheduleStatus.Completed, ScheduleStatus.Cancelled, ScheduleStatus.InReview], ScheduleStatusMachine.AllowedFrom(ScheduleStatus.Active));
        Assert.Empty(ScheduleStatusMachine.AllowedFrom(ScheduleStatus.Completed));
    }
}
