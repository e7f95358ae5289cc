namespace Scheduling.Web.Features.Pipelines;

/// <summary>A stage as the editors hold it (mutable, bound to the fields); <see cref="ToStage"/> is what is sent.</summary>
public sealed class StageDraft
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Target { get; set; }
    public int? TimeoutSeconds { get; set; }
    public int? RetryAttempts { get; set; }
    public int? RetryBackoffSeconds { get; set; }
    public bool StopOnFailure { get; set; } = true;
    public bool Publishing { get; set; }

    public static StageDraft From(PipelineStage s) => new()
    {
        Key = s.Key ?? "",
        Name = s.Name ?? "",
        Target = s.Target,
        TimeoutSeconds = s.TimeoutSeconds,
        RetryAttempts = s.Retry?.Attempts,
        RetryBackoffSeconds = s.Retry?.BackoffSeconds,
        StopOnFailure = s.StopOnFailure,
        Publishing = s.Publishing,
    };

    public PipelineStage ToStage() => new(Key, Name, string.IsNullOrWhiteSpace(Target) ? null : Target,
        TimeoutSeconds, RetryAttempts is null && RetryBackoffSeconds is null ? null : new StageRetry(RetryAttempts, RetryBackoffSeconds),
        StopOnFailure, Publishing);

    public static PipelineInput ToInput(IEnumerable<StageDraft> drafts) => new([.. drafts.Select(d => d.ToStage())]);
}
