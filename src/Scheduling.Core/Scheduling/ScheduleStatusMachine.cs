namespace Scheduling.Core.Scheduling;

/// <summary>
/// A refused status change. The API maps it to 409 Conflict with <see cref="Message"/> as the detail.
/// </summary>
public sealed record InvalidStatusTransition(ScheduleStatus From, ScheduleStatus To)
{
    public string Message => From == To
        ? $"The schedule is already {Wire(From)}."
        : ScheduleStatusMachine.IsFinal(From)
            ? $"The schedule is {Wire(From)}, which is final; it cannot become {Wire(To)}."
            : $"A {Wire(From)} schedule cannot become {Wire(To)}.";

    private static string Wire(ScheduleStatus status) => Common.WireNames.ToWire(status);
}

/// <summary>Thrown by <see cref="ScheduleStatusMachine.Transition"/>; carries the typed error.</summary>
public sealed class InvalidStatusTransitionException(InvalidStatusTransition error) : InvalidOperationException(error.Message)
{
    public InvalidStatusTransition Error { get; } = error;
}

/// <summary>
/// active → paused | cancelled | completed; paused → active | cancelled; completed and cancelled are final.
/// With approval: draft → in_review | cancelled; in_review → active (approve) | draft (reject) | cancelled;
/// active | paused → in_review (a Creator's change of an approved schedule).
/// </summary>
public static class ScheduleStatusMachine
{
    public static bool IsFinal(ScheduleStatus status) => status is ScheduleStatus.Completed or ScheduleStatus.Cancelled;

    public static bool CanTransition(ScheduleStatus from, ScheduleStatus to) => (from, to) switch
    {
        (ScheduleStatus.Active, ScheduleStatus.Paused or ScheduleStatus.Cancelled or ScheduleStatus.Completed) => true,
        (ScheduleStatus.Paused, ScheduleStatus.Active or ScheduleStatus.Cancelled) => true,
        (ScheduleStatus.Draft, ScheduleStatus.InReview or ScheduleStatus.Cancelled) => true,
        (ScheduleStatus.InReview, ScheduleStatus.Active or ScheduleStatus.Draft or ScheduleStatus.Cancelled) => true,
        (ScheduleStatus.Active or ScheduleStatus.Paused, ScheduleStatus.InReview) => true,
        _ => false,
    };

    public static IReadOnlyList<ScheduleStatus> AllowedFrom(ScheduleStatus from) =>
        [.. Enum.GetValues<ScheduleStatus>().Where(to => CanTransition(from, to))];

    /// <summary>The new status, or the typed error; for callers that branch rather than catch.</summary>
    /// <example><c>if (ScheduleStatusMachine.TryTransition(s.Status, ScheduleStatus.Paused, out var error)) … else return Conflict(error.Message);</c></example>
    public static bool TryTransition(ScheduleStatus from, ScheduleStatus to, out InvalidStatusTransition? error)
    {
        error = CanTransition(from, to) ? null : new InvalidStatusTransition(from, to);
        return error is null;
    }

    /// <exception cref="InvalidStatusTransitionException">When the move is not allowed.</exception>
    public static ScheduleStatus Transition(ScheduleStatus from, ScheduleStatus to) =>
        TryTransition(from, to, out var error) ? to : throw new InvalidStatusTransitionException(error!);
}
