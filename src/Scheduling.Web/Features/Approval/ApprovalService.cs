using Microsoft.EntityFrameworkCore;
using NodaTime;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Events;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Approval;

public sealed record ReviewRequest(string? Comment);

public sealed record ReviewView(Guid Id, ReviewDecision Decision, string? Comment, string UserId, string? UserEmail, DateTime At);

/// <summary>An item waiting for approval, with what changed since its last approval (everything, if never approved).</summary>
public sealed record ReviewQueueItem(ScheduleView Schedule, DateTime SubmittedAt, string? SubmittedBy, bool WasApproved, IReadOnlyList<FieldChange> Changes);

/// <summary>
/// Approval before scheduling (a workspace setting): a Creator's schedule goes draft → in_review (submit) → active
/// (approve, next run computed from then) or back to draft (reject, with a comment). Owners and Admins approve; Managers
/// read. Every step is a <see cref="Review"/> row and a lifecycle event, written in the change's transaction.
/// Series and waves reuse the table (their own <see cref="Review.SubjectKind"/>), <see cref="Record"/> and the snapshot diff.
/// </summary>
public sealed class ApprovalService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, TimeProvider clock, LifecycleOutbox outbox)
{
    public const string ScheduleKind = "schedule";
    public const int MaxPageSize = 100;

    public Task<ScheduleView> SubmitAsync(Guid id, string? comment, CancellationToken ct = default)
    {
        current.RequireEditor();
        return DecideAsync(id, ScheduleStatus.Draft, ScheduleStatus.InReview, ReviewDecision.Submitted, EventTypes.ScheduleSubmitted, comment, commentRequired: false, ct);
    }

    public Task<ScheduleView> ApproveAsync(Guid id, string? comment, CancellationToken ct = default)
    {
        RequireApprover();
        return DecideAsync(id, ScheduleStatus.InReview, ScheduleStatus.Active, ReviewDecision.Approved, EventTypes.ScheduleApproved, comment, commentRequired: false, ct);
    }

    public Task<ScheduleView> RejectAsync(Guid id, string? comment, CancellationToken ct = default)
    {
        RequireApprover();
        return DecideAsync(id, ScheduleStatus.InReview, ScheduleStatus.Draft, ReviewDecision.Rejected, EventTypes.ScheduleRejected, comment, commentRequired: true, ct);
    }

    public bool CanApprove => current.Role is WorkspaceRole.Owner or WorkspaceRole.Admin;

    private void RequireApprover()
    {
        current.RequireWorkspace();
        if (!CanApprove)
        {
            throw new ForbiddenException("Only Owners and Admins approve or reject schedules.");
        }
    }

    private async Task<ScheduleView> DecideAsync(Guid id, ScheduleStatus from, ScheduleStatus to, ReviewDecision decision, string eventType, string? comment,
        bool commentRequired, CancellationToken ct)
    {
        var userId = current.RequireUser();
        var text = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
        if (text is { Length: > ReviewRules.MaxCommentLength })
        {
            throw new RequestValidationException("comment", $"A comment is at most {ReviewRules.MaxCommentLength} characters.");
        }
        if (commentRequired && text is null)
        {
            throw new RequestValidationException("comment", "Say why it is rejected: the Creator sees this comment.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var schedule = await ScheduleService.FindAsync(db, id, ct);
        if (schedule.Status != from)
        {
            throw new ConflictException(schedule.Status == to
                ? $"The schedule is already {to.ToWire()}."
                : $"Only a {from.ToWire()} schedule can be {Past(decision)}; this one is {schedule.Status.ToWire()}.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await ScheduleService.ClaimNextVersionAsync(db, schedule, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        schedule.Status = to;
        schedule.UpdatedAt = now;
        if (to == ScheduleStatus.Active)
        {
            // Runs from the approval on: occurrences that passed while it waited are not run. A series' schedule instead
            // starts at its first unreleased episode: episodes are matched to runs by their planned time, and a series
            // releases every episode in order (missed ones catch up, as after a pause).
            var seriesStart = await db.SeriesEpisodes.Where(e => e.ScheduleId == schedule.Id && e.Status == Series.EpisodeStatus.Scheduled)
                .OrderBy(e => e.Number).Select(e => (DateTime?)e.PlannedAt).FirstOrDefaultAsync(ct);
            schedule.NextRunAt = seriesStart is { } first
                ? DateTime.SpecifyKind(first, DateTimeKind.Utc)
                : ScheduleService.NextRun(schedule, ScheduleTiming.FromSchedule(schedule), Instant.FromDateTimeUtc(now));
            if (schedule.NextRunAt is null)
            {
                schedule.Status = ScheduleStatus.Completed;
            }
        }
        var view = ScheduleService.ToView(schedule);
        Record(db, schedule, decision, userId, text, now, decision == ReviewDecision.Approved ? ReviewSnapshot.Serialize(ReviewSnapshot.Of(view)) : null);
        await outbox.AddScheduleEventAsync(db, schedule.WorkspaceId, eventType, view, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return view with { Reviews = await HistoryAsync(db, ScheduleKind, id, ct) };
    }

    private static string Past(ReviewDecision decision) => decision switch
    {
        ReviewDecision.Submitted => "submitted",
        ReviewDecision.Approved => "approved",
        ReviewDecision.Rejected => "rejected",
        _ => "returned",
    };

    /// <summary>Adds a step of the review history to <paramref name="db"/> (committed with the caller's change).</summary>
    internal static void Record(AppDbContext db, Schedule schedule, ReviewDecision decision, string userId, string? comment, DateTime at, string? snapshot = null) =>
        db.Reviews.Add(new Review
        {
            Id = Guid.CreateVersion7(), WorkspaceId = schedule.WorkspaceId, SubjectKind = ScheduleKind, SubjectId = schedule.Id,
            Decision = decision, Comment = comment, UserId = userId, At = at, Snapshot = snapshot,
        });

    public static async Task<IReadOnlyList<ReviewView>> HistoryAsync(AppDbContext db, string kind, Guid subjectId, CancellationToken ct)
    {
        var rows = await db.Reviews.AsNoTracking().Where(r => r.SubjectKind == kind && r.SubjectId == subjectId)
            .OrderBy(r => r.At).ThenBy(r => r.Id)
            .Select(r => new { r.Id, r.Decision, r.Comment, r.UserId, r.At, Email = db.Users.Where(u => u.Id == r.UserId).Select(u => u.Email).FirstOrDefault() })
            .ToListAsync(ct);
        return [.. rows.Select(r => new ReviewView(r.Id, r.Decision, r.Comment, r.UserId, r.Email, r.At))];
    }

    /// <summary>How many schedules wait for review (the navigation's count).</summary>
    public async Task<int> CountWaitingAsync(CancellationToken ct = default)
    {
        current.RequireWorkspace();
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Schedules.CountAsync(s => s.Status == ScheduleStatus.InReview, ct);
    }

    /// <summary>The review queue, oldest submission first, a page at a time, each with its changes since the last approval.</summary>
    public async Task<PagedResult<ReviewQueueItem>> QueueAsync(int page, int pageSize, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        if (page < 1)
        {
            throw new RequestValidationException("page", "Page starts at 1.");
        }
        if (pageSize is < 1 or > MaxPageSize)
        {
            throw new RequestValidationException("pageSize", $"Page size is between 1 and {MaxPageSize}.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var waiting = db.Schedules.AsNoTracking().Where(s => s.Status == ScheduleStatus.InReview);
        var total = await waiting.CountAsync(ct);
        var schedules = await waiting.Include(s => s.Exceptions).OrderBy(s => s.UpdatedAt).ThenBy(s => s.Id)
            .Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        var ids = schedules.Select(s => s.Id).ToList();
        var reviews = await db.Reviews.AsNoTracking().Where(r => r.SubjectKind == ScheduleKind && ids.Contains(r.SubjectId))
            .Select(r => new { r.SubjectId, r.Decision, r.At, r.Id, r.Snapshot, Email = db.Users.Where(u => u.Id == r.UserId).Select(u => u.Email).FirstOrDefault() })
            .ToListAsync(ct);
        var items = schedules.Select(s =>
        {
            var mine = reviews.Where(r => r.SubjectId == s.Id).OrderBy(r => r.At).ThenBy(r => r.Id).ToList();
            var submitted = mine.LastOrDefault(r => r.Decision is ReviewDecision.Submitted or ReviewDecision.Returned);
            var approved = mine.LastOrDefault(r => r.Decision == ReviewDecision.Approved);
            var view = ScheduleService.ToView(s);
            var changes = ReviewSnapshot.Diff(approved is null ? null : ReviewSnapshot.Parse(approved.Snapshot), ReviewSnapshot.Of(view));
            return new ReviewQueueItem(view, submitted?.At ?? s.UpdatedAt, submitted?.Email, approved is not null, changes);
        }).ToList();
        return new PagedResult<ReviewQueueItem>(items, total, page, pageSize);
    }
}
