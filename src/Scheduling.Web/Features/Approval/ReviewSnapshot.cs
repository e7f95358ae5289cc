using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduling.Web.Features.Events;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Approval;

/// <summary>One field that differs from the last approved definition (values as the API writes them, JSON).</summary>
public sealed record FieldChange(string Field, string? Approved, string? Now);

/// <summary>
/// What an approval approves: the item's definition as the API returns it, less what the engine or time changes (next run,
/// run count, version ...). Kept with the approval; the queue shows the fields that differ from it.
/// </summary>
public static class ReviewSnapshot
{
    private static readonly HashSet<string> Volatile =
        ["id", "status", "nextRunAt", "nextRunLocal", "lastRunAt", "runCount", "pauseNote", "createdAt", "updatedAt", "version", "summary", "reviews"];

    /// <summary>Changing only these does not send an approved item back to review.</summary>
    private static readonly HashSet<string> Cosmetic = ["name", "description"];

    public static SortedDictionary<string, string?> Of(ScheduleView schedule)
    {
        var json = JsonSerializer.SerializeToNode(schedule, EventTypes.Json)!.AsObject();
        var fields = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in json)
        {
            if (!Volatile.Contains(key))
            {
                fields[key] = value?.ToJsonString();
            }
        }
        return fields;
    }

    public static string Serialize(SortedDictionary<string, string?> snapshot) => JsonSerializer.Serialize(snapshot);

    public static SortedDictionary<string, string?> Parse(string? stored) =>
        stored is null ? new(StringComparer.Ordinal) : new(JsonSerializer.Deserialize<Dictionary<string, string?>>(stored)!, StringComparer.Ordinal);

    public static IReadOnlyList<FieldChange> Diff(SortedDictionary<string, string?>? approved, SortedDictionary<string, string?> now)
    {
        var keys = new SortedSet<string>(now.Keys, StringComparer.Ordinal);
        if (approved is not null)
        {
            keys.UnionWith(approved.Keys);
        }
        var changes = new List<FieldChange>();
        foreach (var key in keys)
        {
            var before = approved is not null && approved.TryGetValue(key, out var b) ? b : null;
            var after = now.TryGetValue(key, out var a) ? a : null;
            if (approved is null || before != after)
            {
                changes.Add(new FieldChange(key, before, after));
            }
        }
        return changes;
    }

    /// <summary>Does the change from <paramref name="before"/> to <paramref name="after"/> touch more than the name and description?</summary>
    public static bool ChangesWhatRuns(ScheduleView before, ScheduleView after) =>
        Diff(Of(before), Of(after)).Any(c => !Cosmetic.Contains(c.Field));
}
