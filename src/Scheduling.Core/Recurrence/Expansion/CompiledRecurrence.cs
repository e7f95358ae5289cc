using NodaTime;

namespace Scheduling.Core.Recurrence.Expansion;

/// <summary>
/// A <see cref="RecurrenceSet"/> prepared for expansion: the compiled rule, the zone, and the exceptions as
/// sorted instants/day numbers. Immutable and shareable; each enumeration has its own cursor.
/// </summary>
internal sealed class CompiledRecurrence
{
    private readonly long[] exDates;
    private readonly int[] blackoutDays;
    private readonly OccurrenceOverride[] overrides;
    private Move[]? validMoves;

    // The instants a DateTime (and so every caller's UTC column) can hold: 0001-01-01 to 9999-12-31T23:59:59 UTC.
    // A rule that runs past the end of time ends there; wall times before year 1 in UTC are not occurrences.
    private const long FirstRepresentable = -62_135_596_800L;
    private const long LastRepresentable = 253_402_300_799L;

    private CompiledRecurrence(RecurrenceSet set, DateTimeZone zone)
    {
        Zone = zone;
        StartLocal = Civil.ToSeconds(set.Start);
        Rule = new CompiledRule(set.Rule, StartLocal);
        Count = set.Rule.Count is { } c ? Math.Max(0, c) : int.MaxValue;
        HasCount = set.Rule.Count is not null;

        var resolver = new ZoneResolver(zone);
        UntilInstant = Math.Min(LastRepresentable, set.Rule.Until switch
        {
            null => long.MaxValue,
            { Kind: UntilKind.Utc } u => Civil.ToSeconds(u.Value),
            { } u => resolver.Resolve(Civil.ToSeconds(u.LastIncludedLocal), out _, out _),
        });
        exDates = [.. set.ExDates.Select(e => resolver.Resolve(Civil.ToSeconds(e), out _, out _)).Distinct().Order()];
        blackoutDays = [.. set.BlackoutDates.Select(Civil.ToDayNumber).Distinct().Order()];
        overrides = [.. set.Overrides];
    }

    public DateTimeZone Zone { get; }

    public CompiledRule Rule { get; }

    public long StartLocal { get; }

    public long UntilInstant { get; }

    public int Count { get; }

    public bool HasCount { get; }

    private bool HasExceptions => exDates.Length > 0 || blackoutDays.Length > 0 || overrides.Length > 0;

    public static CompiledRecurrence Compile(RecurrenceSet set)
    {
        var zone = set.TimeZone is null
            ? DateTimeZone.Utc
            : DateTimeZoneProviders.Tzdb.GetZoneOrNull(set.TimeZone)
              ?? throw new ArgumentException($"Unknown IANA time zone '{set.TimeZone}'.", nameof(set));
        return new CompiledRecurrence(set, zone);
    }

    /// <summary>Occurrences with instants in [<paramref name="from"/>, <paramref name="to"/>), exceptions applied, in increasing instant order.</summary>
    public IEnumerable<Occurrence> Enumerate(long from, long to)
    {
        if (from >= to)
        {
            return [];
        }

        return HasExceptions ? EnumerateWithExceptions(from, to) : EnumerateRule(from, to);
    }

    private IEnumerable<Occurrence> EnumerateRule(long from, long to)
    {
        foreach (var o in Generate(from))
        {
            if (o.InstantSeconds >= to)
            {
                yield break;
            }

            if (o.InstantSeconds >= from)
            {
                yield return o;
            }
        }
    }

    private IEnumerable<Occurrence> EnumerateWithExceptions(long from, long to)
    {
        var moves = validMoves ??= ValidateMoves();
        var nextMove = 0;
        var last = long.MinValue;
        foreach (var o in Generate(from))
        {
            while (nextMove < moves.Length && moves[nextMove].Occurrence.InstantSeconds <= o.InstantSeconds)
            {
                var moved = moves[nextMove++].Occurrence;
                if (moved.InstantSeconds >= from && moved.InstantSeconds < to && moved.InstantSeconds > last)
                {
                    last = moved.InstantSeconds;
                    yield return moved;
                }
            }

            if (o.InstantSeconds >= to)
            {
                yield break;
            }

            if (o.InstantSeconds < from || o.InstantSeconds <= last || IsException(o))
            {
                continue;
            }

            last = o.InstantSeconds;
            yield return o;
        }

        for (; nextMove < moves.Length; nextMove++)
        {
            var moved = moves[nextMove].Occurrence;
            if (moved.InstantSeconds >= to)
            {
                yield break;
            }

            if (moved.InstantSeconds >= from && moved.InstantSeconds > last)
            {
                last = moved.InstantSeconds;
                yield return moved;
            }
        }
    }

    private bool IsException(in Occurrence o)
    {
        if (exDates.Length > 0 && Array.BinarySearch(exDates, o.InstantSeconds) >= 0)
        {
            return true;
        }

        if (blackoutDays.Length > 0
            && Array.BinarySearch(blackoutDays, (int)Civil.FloorDiv(o.LocalSeconds, Civil.SecondsPerDay)) >= 0)
        {
            return true;
        }

        if (validMoves is { Length: > 0 } moves)
        {
            foreach (var move in moves)
            {
                if (move.OriginalInstant == o.InstantSeconds)
                {
                    return true;
                }
            }
        }

        return false;
    }

    // An override only applies while its original time is still an occurrence of the rule (the rule may have been edited since).
    private Move[] ValidateMoves()
    {
        if (overrides.Length == 0)
        {
            return [];
        }

        var resolver = new ZoneResolver(Zone);
        var pending = overrides
            .Select(o => (Original: resolver.Resolve(Civil.ToSeconds(o.Original), out _, out _), o.Original, o.Replacement))
            .OrderBy(p => p.Item1)
            .ToList();
        var found = new List<Move>();
        var index = 0;
        foreach (var o in Generate(HasCount ? long.MinValue : pending[0].Original))
        {
            while (index < pending.Count && pending[index].Original < o.InstantSeconds)
            {
                index++;
            }

            while (index < pending.Count && pending[index].Original == o.InstantSeconds)
            {
                var replacementLocal = Civil.ToSeconds(pending[index].Replacement);
                var instant = resolver.Resolve(replacementLocal, out var offset, out _);
                found.Add(new Move(o.InstantSeconds, new Occurrence(instant + offset, instant, offset, o.LocalSeconds)));
                index++;
            }

            if (index >= pending.Count)
            {
                break;
            }
        }

        return [.. found.OrderBy(m => m.Occurrence.InstantSeconds)];
    }

    /// <summary>
    /// The rule's own occurrences (COUNT and UNTIL applied, no exceptions), strictly increasing in UTC.
    /// Without COUNT the walk starts near <paramref name="hint"/> instead of at DTSTART.
    /// </summary>
    public IEnumerable<Occurrence> Generate(long hint)
    {
        long firstPeriod = 0;
        if (!HasCount && hint > long.MinValue && hint < long.MaxValue)
        {
            var offset = Zone.GetUtcOffset(Instant.FromUnixTimeSeconds(Math.Clamp(hint, FirstRepresentable, LastRepresentable))).Seconds;
            firstPeriod = PeriodCursor.PeriodNear(Rule, hint + offset);
        }

        return Generate(new PeriodCursor(Rule, firstPeriod));
    }

    private IEnumerable<Occurrence> Generate(PeriodCursor cursor)
    {
        if (Count <= 0)
        {
            yield break;
        }

        var resolver = new ZoneResolver(Zone);
        var last = long.MinValue;
        var emitted = 0;
        List<Occurrence>? deferred = null;
        while (cursor.TryNext(out var local))
        {
            if (local < StartLocal)
            {
                continue;
            }

            var instant = resolver.Resolve(local, out var offset, out var shifted);
            if (instant > UntilInstant)
            {
                // A shifted time can sort after later wall times, so only an unshifted one proves the end.
                if (shifted)
                {
                    continue;
                }

                break;
            }

            if (instant < FirstRepresentable)
            {
                continue;
            }

            if (shifted)
            {
                // A time moved forward out of a gap can land after the next wall times (e.g. 02:30 → 03:30 while
                // 03:15 follows); hold it until the stream passes its instant so output stays sorted.
                deferred ??= new List<Occurrence>(2);
                var at = deferred.Count;
                while (at > 0 && deferred[at - 1].InstantSeconds > instant)
                {
                    at--;
                }

                deferred.Insert(at, new Occurrence(instant + offset, instant, offset, dstShifted: true));
                continue;
            }

            while (deferred is { Count: > 0 } && deferred[0].InstantSeconds <= instant)
            {
                var held = deferred[0];
                deferred.RemoveAt(0);
                if (held.InstantSeconds > last)
                {
                    last = held.InstantSeconds;
                    yield return held;
                    if (++emitted >= Count)
                    {
                        yield break;
                    }
                }
            }

            if (instant <= last)
            {
                continue;
            }

            last = instant;
            yield return new Occurrence(local, instant, offset);
            if (++emitted >= Count)
            {
                yield break;
            }
        }

        if (deferred is null)
        {
            yield break;
        }

        foreach (var held in deferred)
        {
            if (held.InstantSeconds > last)
            {
                last = held.InstantSeconds;
                yield return held;
                if (++emitted >= Count)
                {
                    yield break;
                }
            }
        }
    }

    private readonly record struct Move(long OriginalInstant, Occurrence Occurrence);
}
