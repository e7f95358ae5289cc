using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Features.Pipelines;

// A pipeline is data (decision 0021): ordered stages, each its own signed POST. Defaults per job type, a workspace's
// own per job type (WorkspacePipeline), a schedule's override (Schedule.PipelineJson); each run keeps a copy of the
// stages it runs with their state (ExecutionStage), so a retry resumes on the same stages even after an edit.

/// <summary>A stage's retry policy: up to <see cref="Attempts"/> POSTs, waiting <see cref="BackoffSeconds"/> × 2^(n−1) between them.</summary>
public sealed record StageRetry(int? Attempts, int? BackoffSeconds);

/// <summary>
/// One stage of a pipeline. <see cref="Target"/> null: the run's own URL (schedule, channel or workspace endpoint).
/// <see cref="TimeoutSeconds"/> / <see cref="Retry"/> null: the schedule's. <see cref="Publishing"/>: it makes the
/// work public (upload, send): test mode skips it, and a later change holds it until the publish time.
/// </summary>
public sealed record PipelineStage(
    string? Key,
    string? Name,
    string? Target = null,
    int? TimeoutSeconds = null,
    StageRetry? Retry = null,
    bool StopOnFailure = true,
    bool Publishing = false);

/// <summary>A pipeline as sent and shown: its stages in order.</summary>
public sealed record PipelineInput(IReadOnlyList<PipelineStage>? Stages);

/// <summary>A job type's pipeline in a workspace; <see cref="IsDefault"/>: the built-in one (never edited, or reset).</summary>
public sealed record PipelineView(JobType JobType, bool IsDefault, IReadOnlyList<PipelineStage> Stages);

/// <summary>The state of one stage of one run (wire names snake_case).</summary>
public enum StageState
{
    Pending,
    /// <summary>Its POST is (or was, when the process died) in flight: recovery delivers it again with the same key.</summary>
    Running,
    Completed,
    Failed,
    /// <summary>An earlier stage failed and stopped the chain.</summary>
    NotRun,
    SkippedTestMode,
}

/// <summary>A workspace's own pipeline of a job type (absent: the default).</summary>
public sealed class WorkspacePipeline : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public JobType JobType { get; set; }

    /// <summary>The stages as JSON (<see cref="Pipelines.Serialize"/>).</summary>
    public required string StagesJson { get; set; }
}

/// <summary>One stage of one run: its definition as the run started, its state and its last POST.</summary>
public sealed class ExecutionStage : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ExecutionId { get; set; }
    public int Position { get; set; }
    public required string Key { get; set; }
    public required string Name { get; set; }
    public string? Target { get; set; }
    public int? TimeoutSeconds { get; set; }
    public int? RetryAttempts { get; set; }
    public int? RetryBackoffSeconds { get; set; }
    public bool StopOnFailure { get; set; }
    public bool Publishing { get; set; }
    public StageState State { get; set; }

    /// <summary>POSTs made, in all.</summary>
    public int Attempts { get; set; }

    /// <summary>POSTs made since the stage's retry budget last started (a retry of a failed run gives it a new one).</summary>
    public int BudgetUsed { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public long? DurationMs { get; set; }
    public string? Request { get; set; }
    public int? ResponseStatus { get; set; }
    public string? Response { get; set; }

    /// <summary>The response body as JSON (what later stages get in <c>previousResults</c>).</summary>
    public string? Result { get; set; }
    public string? Error { get; set; }
}

/// <summary>A stage of a run as the API shows it.</summary>
public sealed record StageRunView(
    string Key, string Name, int Position, StageState State, bool Publishing, bool StopOnFailure, int Attempts,
    DateTime? StartedAt, DateTime? CompletedAt, long? DurationMs, string? Target, string? Request, int? ResponseStatus, string? Response, string? Error)
{
    public static StageRunView From(ExecutionStage s) => new(s.Key, s.Name, s.Position, s.State, s.Publishing, s.StopOnFailure, s.Attempts,
        s.StartedAt, s.CompletedAt, s.DurationMs, s.Target, s.Request, s.ResponseStatus, s.Response, s.Error);
}

public static partial class Pipelines
{
    public const int MaxStages = 20;
    public const int MaxKeyLength = 32;
    public const int MaxNameLength = 100;
    public const int MaxBackoffSeconds = 86_400;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    [GeneratedRegex("^[a-z][a-z0-9_-]*$")]
    private static partial Regex KeyPattern();

    /// <summary>The built-in pipeline of a job type.</summary>
    public static IReadOnlyList<PipelineStage> Default(JobType jobType) => jobType switch
    {
        JobType.VideoGeneration =>
        [
            new("script", "Script"), new("assets", "Assets"), new("assemble", "Assemble"),
            new("thumbnail", "Thumbnail"), new("metadata", "Metadata"), new("upload", "Upload", Publishing: true),
        ],
        JobType.Newsletter => [new("scrape", "Scrape"), new("generate", "Generate"), new("send", "Send", Publishing: true)],
        _ => [new("run", "Run")],
    };

    /// <summary>
    /// One plain stage (the run's URL, the schedule's timeout and retries, not publishing): delivered as before pipelines
    /// existed, one POST without <c>action</c> whose 202 waits for a callback.
    /// </summary>
    public static bool IsPlainSingleStage(IReadOnlyList<PipelineStage> stages) =>
        stages is [{ Target: null, TimeoutSeconds: null, Retry: null, Publishing: false }];

    public static string Serialize(IReadOnlyList<PipelineStage> stages) => JsonSerializer.Serialize(stages, Json);

    public static IReadOnlyList<PipelineStage> Deserialize(string json) => JsonSerializer.Deserialize<List<PipelineStage>>(json, Json) ?? [];

    /// <summary>
    /// The stages of <paramref name="input"/>, trimmed, or null with the problems added to <paramref name="errors"/>, each
    /// naming its field under <paramref name="prefix"/> (<c>pipeline.stages[2].timeoutSeconds</c>).
    /// </summary>
    public static IReadOnlyList<PipelineStage>? Check(PipelineInput? input, string prefix, List<ValidationError> errors)
    {
        var before = errors.Count;
        var field = prefix.Length == 0 ? "stages" : $"{prefix}.stages";
        var stages = input?.Stages;
        if (stages is null || stages.Count is 0 or > MaxStages)
        {
            errors.Add(new(field, $"A pipeline has 1 to {MaxStages} stages."));
            return null;
        }
        var result = new List<PipelineStage>(stages.Count);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < stages.Count; i++)
        {
            var at = $"{field}[{i}]";
            if (stages[i] is not { } stage)
            {
                errors.Add(new(at, "A stage is required here."));
                continue;
            }
            var key = stage.Key?.Trim() ?? "";
            if (key.Length is 0 or > MaxKeyLength || !KeyPattern().IsMatch(key))
            {
                errors.Add(new($"{at}.key", $"The key is 1 to {MaxKeyLength} characters: lowercase letters, digits, '-' or '_', starting with a letter (it is the envelope's action)."));
            }
            else if (!keys.Add(key))
            {
                errors.Add(new($"{at}.key", $"Another stage already has the key '{key}': keys are unique."));
            }
            var name = string.IsNullOrWhiteSpace(stage.Name) ? key : stage.Name.Trim();
            if (name.Length is 0 or > MaxNameLength)
            {
                errors.Add(new($"{at}.name", $"The name is 1 to {MaxNameLength} characters."));
            }
            var target = string.IsNullOrWhiteSpace(stage.Target) ? null : stage.Target.Trim();
            if (target is not null && (target.Length > 2000 || !Uri.TryCreate(target, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            {
                errors.Add(new($"{at}.target", "The target is an absolute http(s) URL, or empty for the run's own URL."));
            }
            if (stage.TimeoutSeconds is < 1 or > ScheduleLimits.MaxTimeoutSeconds)
            {
                errors.Add(new($"{at}.timeoutSeconds", "The timeout is between 1 second and 24 hours, or empty for the schedule's."));
            }
            if (stage.Retry is { } retry)
            {
                if (retry.Attempts is null or < 1 or > ScheduleLimits.MaxRetryAttempts)
                {
                    errors.Add(new($"{at}.retry.attempts", $"Attempts are between 1 and {ScheduleLimits.MaxRetryAttempts} (1 = no retry)."));
                }
                if (retry.BackoffSeconds is < 1 or > MaxBackoffSeconds)
                {
                    errors.Add(new($"{at}.retry.backoffSeconds", "The backoff is between 1 second and 1 day."));
                }
            }
            result.Add(new PipelineStage(key, name, target, stage.TimeoutSeconds,
                stage.Retry is { } r ? new StageRetry(r.Attempts, r.BackoffSeconds ?? 30) : null, stage.StopOnFailure, stage.Publishing));
        }
        return errors.Count > before ? null : result;
    }

    /// <summary>The delay before the next POST of a stage that failed its <paramref name="used"/>th try, or null when its budget is spent.</summary>
    public static TimeSpan? RetryDelay(ExecutionStage stage, int used)
    {
        if (stage.RetryAttempts is not { } attempts || used >= attempts)
        {
            return null;
        }
        var seconds = (stage.RetryBackoffSeconds ?? 30) * Math.Pow(2, Math.Max(0, used - 1));
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxBackoffSeconds));
    }
}

internal sealed class WorkspacePipelineConfiguration : IEntityTypeConfiguration<WorkspacePipeline>
{
    public void Configure(EntityTypeBuilder<WorkspacePipeline> builder)
    {
        builder.Property(p => p.JobType).HasConversion<string>().HasMaxLength(32);
        builder.HasIndex(p => new { p.WorkspaceId, p.JobType }).IsUnique();
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(p => p.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ExecutionStageConfiguration : IEntityTypeConfiguration<ExecutionStage>
{
    public void Configure(EntityTypeBuilder<ExecutionStage> builder)
    {
        builder.Property(s => s.Key).HasMaxLength(Pipelines.MaxKeyLength);
        builder.Property(s => s.Name).HasMaxLength(Pipelines.MaxNameLength);
        builder.Property(s => s.Target).HasMaxLength(2000);
        builder.Property(s => s.State).HasConversion<string>().HasMaxLength(24);
        builder.Property(s => s.Error).HasMaxLength(4000);
        builder.HasIndex(s => new { s.ExecutionId, s.Key }).IsUnique();
        builder.HasOne<Executions.Execution>().WithMany().HasForeignKey(s => s.ExecutionId).OnDelete(DeleteBehavior.Cascade);
    }
}
