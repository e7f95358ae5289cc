using System.Globalization;
using System.Text.Json;
using MudBlazor;

namespace Scheduling.Web.Features.Executions;

/// <summary>How the execution pages show statuses, durations and payloads (times: <see cref="Schedules.ScheduleDisplay"/>).</summary>
public static class ExecutionDisplay
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>How often the execution pages reload while open.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    public static string Label(ExecutionStatus status) => status.ToString().ToLowerInvariant();

    public static Color ChipColor(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Running => Color.Info,
        ExecutionStatus.Completed => Color.Success,
        ExecutionStatus.Failed => Color.Error,
        ExecutionStatus.Skipped => Color.Warning,
        _ => Color.Default,
    };

    /// <summary>Whether the run offers its Retry (or Run) button: <see cref="Execution.CanRunAgain"/>.</summary>
    public static bool CanRetry(ExecutionStatus status) => Execution.CanRunAgain(status);

    /// <summary>The button of <see cref="CanRetry"/>: "Run" for a run that was skipped (never tried), else "Retry".</summary>
    public static string RetryLabel(ExecutionStatus status) => status == ExecutionStatus.Skipped ? "Run" : "Retry";

    public static string RetryIcon(ExecutionStatus status) => status == ExecutionStatus.Skipped ? Icons.Material.Outlined.PlayArrow : Icons.Material.Outlined.Replay;

    /// <summary>"850 ms", "12.4 s", "3 min 05 s", "1 h 02 min"; "—" when unknown.</summary>
    public static string Duration(long? milliseconds) => milliseconds is { } ms ? Duration((double)ms) : "—";

    public static string Duration(double milliseconds)
    {
        if (milliseconds < 1000)
        {
            return $"{Math.Round(milliseconds).ToString(CultureInfo.InvariantCulture)} ms";
        }
        var span = TimeSpan.FromMilliseconds(milliseconds);
        if (span.TotalSeconds < 60)
        {
            return $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";
        }
        if (span.TotalHours < 1)
        {
            return $"{span.Minutes} min {span.Seconds:00} s";
        }
        return $"{(int)span.TotalHours} h {span.Minutes:00} min";
    }

    /// <summary>A countdown with seconds when close: "in 4 min 05 s", "in 45 s", "due now"; longer spans as the schedule pages say them.</summary>
    public static string Countdown(DateTime utc, DateTimeOffset now)
    {
        var delta = DateTime.SpecifyKind(utc, DateTimeKind.Utc) - now.UtcDateTime;
        if (delta <= TimeSpan.Zero)
        {
            return "due now";
        }
        if (delta < TimeSpan.FromMinutes(1))
        {
            return $"in {(int)Math.Ceiling(delta.TotalSeconds)} s";
        }
        if (delta < TimeSpan.FromHours(1))
        {
            return $"in {delta.Minutes} min {delta.Seconds:00} s";
        }
        return Schedules.ScheduleDisplay.Relative(utc, now);
    }

    /// <summary>A JSON text indented; any other text as it is; "" for none.</summary>
    public static string Pretty(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            return JsonSerializer.Serialize(document.RootElement, Indented);
        }
        catch (JsonException)
        {
            return text;
        }
    }

    public static string Pretty(JsonElement? json) =>
        json is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } value ? JsonSerializer.Serialize(value, Indented) : "";

    /// <summary>
    /// Whether a result is only the shape of a response that never came (<c>{"status": null, "body": null}</c>: a
    /// network error, a timeout, a refused target): the run's error says more, and is shown instead.
    /// </summary>
    public static bool IsEmptyResponse(JsonElement? result) =>
        result is { ValueKind: JsonValueKind.Object } value
        && value.EnumerateObject().Any()
        && value.EnumerateObject().All(p => p.Value.ValueKind == JsonValueKind.Null);

    /// <summary>What the result panel says when there is no result to show: the run's error or reason, else that none came yet.</summary>
    public static string NoResult(ExecutionView execution, IReadOnlyList<AttemptView> attempts) =>
        FirstText(execution.Error, attempts.LastOrDefault(a => !string.IsNullOrWhiteSpace(a.Error))?.Error, execution.Reason) is { } why
            ? $"No response: {why}"
            : "None yet.";

    private static string? FirstText(params string?[] texts) => texts.FirstOrDefault(t => !string.IsNullOrWhiteSpace(t));

    /// <summary>"66.7 %".</summary>
    public static string Percent(double? value) => value is { } v ? $"{v.ToString("0.#", CultureInfo.InvariantCulture)} %" : "—";
}
