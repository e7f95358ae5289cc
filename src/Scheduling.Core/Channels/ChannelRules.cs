using NodaTime;

namespace Scheduling.Core.Channels;

/// <summary>Where a channel publishes. Member names are the wire contract (snake_case).</summary>
public enum ChannelPlatform
{
    Youtube,
    Tiktok,
    Instagram,
    Newsletter,
    Blog,
    Podcast,
    Other,
}

/// <summary>What a broken channel rule does to a write: <c>warn</c> lets it through with warnings, <c>block</c> refuses it (409).</summary>
public enum ConflictMode
{
    Warn,
    Block,
}

/// <summary>The rules a post on a channel is checked against. Wire codes: min_gap, daily_maximum, blackout, outside_posting_times.</summary>
public enum ChannelRuleCode
{
    MinGap,
    DailyMaximum,
    Blackout,
    OutsidePostingTimes,
}

/// <summary>One posting time of the weekly grid: a weekday and a local time.</summary>
public readonly record struct PostingTime(IsoDayOfWeek Weekday, LocalTime Time);

/// <summary>A planned post of a channel: the schedule it belongs to, its instant and name (to say what it conflicts with).</summary>
public readonly record struct PlannedPost(Guid ScheduleId, Instant At, string Name);

/// <summary>A broken rule. <see cref="WarningOnly"/> never blocks (outside the posting times).</summary>
public sealed record ChannelConflict(ChannelRuleCode Code, string Message, Guid? ScheduleId, bool WarningOnly)
{
    public bool Blocks(ConflictMode mode) => mode == ConflictMode.Block && !WarningOnly;
}

/// <summary>A channel's rules in its zone. Blackout dates are local dates of the channel.</summary>
public sealed record ChannelPolicy(
    DateTimeZone Zone,
    IReadOnlyList<PostingTime> PostingTimes,
    int MinGapMinutes,
    int? MaxPerDay,
    IReadOnlySet<LocalDate> Blackouts);

/// <summary>One posting slot on one day: its local wall time and the instant it resolves to in the channel's zone.</summary>
public readonly record struct SlotInstance(LocalDate Date, LocalTime Time, Instant At);

/// <summary>
/// A channel's posting rules, pure: conflicts of a candidate post with the posts already planned, the slots of a
/// range of days (DST-correct: a slot in a spring-forward gap moves forward by the gap, an ambiguous one takes the
/// earlier instant, as the engine resolves local times), and the next free slot. Callers give the planned posts
/// around the candidate; this class reads nothing else.
/// </summary>
public static class ChannelRules
{
    /// <summary>The posts of <paramref name="others"/> (any order, the candidate's own schedule left out) that the candidate breaks a rule with.</summary>
    public static IReadOnlyList<ChannelConflict> Check(ChannelPolicy policy, Instant candidate, IReadOnlyList<PlannedPost> others)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(others);
        var conflicts = new List<ChannelConflict>();
        var local = candidate.InZone(policy.Zone);
        var date = local.Date;
        if (policy.Blackouts.Contains(date))
        {
            conflicts.Add(new(ChannelRuleCode.Blackout, $"{date:yyyy-MM-dd} is a blackout date of the channel.", null, false));
        }
        if (policy.MinGapMinutes > 0)
        {
            var gap = Duration.FromMinutes(policy.MinGapMinutes);
            PlannedPost? nearest = null;
            foreach (var other in others)
            {
                var distance = Abs(other.At - candidate);
                if (distance < gap && (nearest is null || distance < Abs(nearest.Value.At - candidate)))
                {
                    nearest = other;
                }
            }
            if (nearest is { } near)
            {
                var minutes = (long)Abs(near.At - candidate).TotalMinutes;
                conflicts.Add(new(ChannelRuleCode.MinGap,
                    $"Only {minutes} minute(s) from '{near.Name}' at {near.At.InZone(policy.Zone).LocalDateTime:yyyy-MM-dd HH:mm}: the channel keeps {policy.MinGapMinutes} minutes between posts.",
                    near.ScheduleId, false));
            }
        }
        if (policy.MaxPerDay is { } max)
        {
            var sameDay = others.Where(o => o.At.InZone(policy.Zone).Date == date).OrderBy(o => o.At).ToList();
            if (sameDay.Count >= max)
            {
                conflicts.Add(new(ChannelRuleCode.DailyMaximum,
                    $"{date:yyyy-MM-dd} already has {sameDay.Count} post(s) (maximum {max} a day), among them '{sameDay[0].Name}'.",
                    sameDay[0].ScheduleId, false));
            }
        }
        if (policy.PostingTimes.Count > 0 && !IsSlot(policy, candidate))
        {
            conflicts.Add(new(ChannelRuleCode.OutsidePostingTimes,
                $"{local.LocalDateTime:yyyy-MM-dd HH:mm} is not one of the channel's posting times.", null, true));
        }
        return conflicts;
    }

    /// <summary>Whether <paramref name="at"/> is a posting slot of its local day.</summary>
    public static bool IsSlot(ChannelPolicy policy, Instant at)
    {
        var date = at.InZone(policy.Zone).Date;
        // A slot resolved across a DST change lands on another wall time than its own: compare instants.
        return SlotsOf(policy, date).Any(s => s.At == at);
    }

    /// <summary>The slots of one local date in time order (none on a blackout date is NOT applied here: callers decide).</summary>
    public static IEnumerable<SlotInstance> SlotsOf(ChannelPolicy policy, LocalDate date)
    {
        var seen = new HashSet<Instant>();
        foreach (var time in policy.PostingTimes.Where(p => p.Weekday == date.DayOfWeek).Select(p => p.Time).Distinct().Order())
        {
            var at = policy.Zone.ResolveLocal(date + time, NodaTime.TimeZones.Resolvers.LenientResolver).ToInstant();
            if (seen.Add(at))
            {
                yield return new SlotInstance(date, time, at);
            }
        }
    }

    /// <summary>Every slot from <paramref name="from"/> (inclusive) to <paramref name="until"/> (exclusive), blackout days left out.</summary>
    public static IEnumerable<SlotInstance> Slots(ChannelPolicy policy, Instant from, Instant until)
    {
        ArgumentNullException.ThrowIfNull(policy);
        for (var date = from.InZone(policy.Zone).Date; policy.Zone.AtStartOfDay(date).ToInstant() < until; date = date.PlusDays(1))
        {
            if (policy.Blackouts.Contains(date))
            {
                continue;
            }
            foreach (var slot in SlotsOf(policy, date))
            {
                if (slot.At >= from && slot.At < until)
                {
                    yield return slot;
                }
            }
        }
    }

    /// <summary>
    /// The first slot at or after <paramref name="from"/> and before <paramref name="until"/> that breaks no blocking rule
    /// with <paramref name="planned"/> (gap, daily maximum, blackout) and is not taken; null when there is none.
    /// Linear in days + posts: the posts are sorted and counted per day once; a blackout day or a day already at its
    /// maximum is passed over without resolving its slots, so a fully booked stretch costs a dictionary look-up a day.
    /// </summary>
    public static SlotInstance? NextFreeSlot(ChannelPolicy policy, Instant from, Instant until, IReadOnlyList<PlannedPost> planned)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(planned);
        var times = planned.Select(p => p.At).Order().ToArray();
        var perDay = new Dictionary<LocalDate, int>();
        foreach (var at in times)
        {
            var day = at.InZone(policy.Zone).Date;
            perDay[day] = perDay.GetValueOrDefault(day) + 1;
        }
        // The grid per weekday, sorted once (index 1..7 = Monday..Sunday).
        var grid = new LocalTime[8][];
        for (var weekday = 1; weekday <= 7; weekday++)
        {
            grid[weekday] = [.. policy.PostingTimes.Where(p => (int)p.Weekday == weekday).Select(p => p.Time).Distinct().Order()];
        }
        var gap = Duration.FromMinutes(Math.Max(0, policy.MinGapMinutes));
        for (var date = from.InZone(policy.Zone).Date; policy.Zone.AtStartOfDay(date).ToInstant() < until; date = date.PlusDays(1))
        {
            var slots = grid[(int)date.DayOfWeek];
            if (slots.Length == 0 || policy.Blackouts.Contains(date) || (policy.MaxPerDay is { } max && perDay.GetValueOrDefault(date) >= max))
            {
                continue;
            }
            foreach (var time in slots)
            {
                var at = policy.Zone.ResolveLocal(date + time, NodaTime.TimeZones.Resolvers.LenientResolver).ToInstant();
                if (at >= from && at < until && Clear(times, at, gap))
                {
                    return new SlotInstance(date, time, at);
                }
            }
        }
        return null;
    }

    /// <summary>No planned post closer than <paramref name="gap"/>, and none at the instant itself (a taken slot).</summary>
    private static bool Clear(Instant[] sorted, Instant at, Duration gap)
    {
        var index = Array.BinarySearch(sorted, at);
        if (index >= 0)
        {
            return false;
        }
        index = ~index;
        if (index < sorted.Length && sorted[index] - at < gap)
        {
            return false;
        }
        return index == 0 || at - sorted[index - 1] >= gap;
    }

    private static Duration Abs(Duration d) => d < Duration.Zero ? -d : d;
}
