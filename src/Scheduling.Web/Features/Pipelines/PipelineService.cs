using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Pipelines;

/// <summary>The current workspace's pipeline per job type: read by every member, changed by those who edit schedules.</summary>
public sealed class PipelineService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, WebhookTargetPolicy targets)
{
    public async Task<PipelineView> GetAsync(JobType jobType, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var own = await db.WorkspacePipelines.AsNoTracking().Where(p => p.JobType == jobType).Select(p => p.StagesJson).FirstOrDefaultAsync(ct);
        return own is null ? new PipelineView(jobType, true, Pipelines.Default(jobType)) : new PipelineView(jobType, false, Pipelines.Deserialize(own));
    }

    public async Task<PipelineView> SetAsync(JobType jobType, PipelineInput? input, CancellationToken ct = default)
    {
        current.RequireEditor();
        var errors = new List<ValidationError>();
        var stages = Pipelines.Check(input, "", errors);
        ScheduleService.ThrowIfAny(errors);
        for (var i = 0; i < stages!.Count; i++)
        {
            if (stages[i].Target is { } target)
            {
                await targets.EnsureDeliverableAsync(new Uri(target), $"stages[{i}].target", ct);
            }
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        await RefuseIfPublishingIsLostAsync(db, jobType, stages, ct);
        var own = await db.WorkspacePipelines.FirstOrDefaultAsync(p => p.JobType == jobType, ct);
        if (own is null)
        {
            db.WorkspacePipelines.Add(new WorkspacePipeline { Id = Guid.CreateVersion7(), WorkspaceId = current.RequireWorkspace(), JobType = jobType, StagesJson = Pipelines.Serialize(stages) });
        }
        else
        {
            own.StagesJson = Pipelines.Serialize(stages);
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (own is null)
        {
            throw new ConflictException("Someone else saved this pipeline at the same moment: reload it and apply your change again.");
        }
        return new PipelineView(jobType, false, stages);
    }

    /// <summary>Back to the built-in pipeline of the job type.</summary>
    public async Task<PipelineView> ResetAsync(JobType jobType, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        await RefuseIfPublishingIsLostAsync(db, jobType, Pipelines.Default(jobType), ct);
        await db.WorkspacePipelines.Where(p => p.JobType == jobType).ExecuteDeleteAsync(ct);
        return new PipelineView(jobType, true, Pipelines.Default(jobType));
    }

    /// <summary>
    /// Schedules that publish later hold their publishing stage until their publish time: a workspace pipeline they run
    /// (no pipeline of their own) may not lose its last stage marked publishing, or they would publish at production
    /// time. A 409 names them; their publishAt is cleared, or they get their own pipeline, first.
    /// </summary>
    private static async Task RefuseIfPublishingIsLostAsync(AppDbContext db, JobType jobType, IReadOnlyList<PipelineStage> stages, CancellationToken ct)
    {
        if (stages.Any(s => s.Publishing))
        {
            return;
        }
        var holding = await db.Schedules.AsNoTracking()
            .Where(s => s.JobType == jobType && s.PipelineJson == null && s.PublishAt != null
                && s.Status != ScheduleStatus.Completed && s.Status != ScheduleStatus.Cancelled)
            .OrderBy(s => s.Name).Select(s => s.Name).Take(4).ToListAsync(ct);
        if (holding.Count > 0)
        {
            var names = string.Join(", ", holding.Take(3).Select(n => $"'{n}'")) + (holding.Count > 3 ? " and more" : "");
            throw new ConflictException(
                $"This pipeline would have no stage marked publishing, but schedules that publish later run it ({names}): keep a stage marked publishing, or clear their publish time first.");
        }
    }

    /// <summary>The stages a run of <paramref name="schedule"/> runs: its own, else its workspace's, else the default (engine: no workspace filter).</summary>
    internal static async Task<IReadOnlyList<PipelineStage>> ForRunAsync(AppDbContext db, Schedule schedule, CancellationToken ct)
    {
        if (schedule.PipelineJson is { } own)
        {
            return Pipelines.Deserialize(own);
        }
        var workspace = await db.WorkspacePipelines.IgnoreQueryFilters().AsNoTracking()
            .Where(p => p.WorkspaceId == schedule.WorkspaceId && p.JobType == schedule.JobType).Select(p => p.StagesJson).FirstOrDefaultAsync(ct);
        return ForRun(schedule, workspace);
    }

    /// <summary>As <see cref="ForRunAsync"/>, with the workspace's stages already read (null: it has none for the job type).</summary>
    internal static IReadOnlyList<PipelineStage> ForRun(Schedule schedule, string? workspaceStagesJson) =>
        schedule.PipelineJson is { } own ? Pipelines.Deserialize(own)
        : workspaceStagesJson is null ? Pipelines.Default(schedule.JobType)
        : Pipelines.Deserialize(workspaceStagesJson);
}
