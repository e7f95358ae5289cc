using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Content;

/// <summary>Content items of the current workspace: the one place the UI and the API change them.</summary>
public sealed class ContentService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, TimeProvider clock)
{
    public async Task<PagedResult<ContentView>> ListAsync(ContentQuery query, CancellationToken ct = default)
    {
        current.RequireWorkspace();
        if (query.Page < 1)
        {
            throw new RequestValidationException("page", "Page starts at 1.");
        }
        if (query.PageSize is < 1 or > ContentLimits.MaxPageSize)
        {
            throw new RequestValidationException("pageSize", $"Page size is between 1 and {ContentLimits.MaxPageSize}.");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = db.ContentItems.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var needle = query.Search.Trim().ToLower();
            rows = rows.Where(c => c.Title.ToLower().Contains(needle) || (c.Description != null && c.Description.ToLower().Contains(needle)));
        }
        if (query.Status is { } status)
        {
            rows = rows.Where(c => c.Status == status);
        }
        if (!string.IsNullOrWhiteSpace(query.Tag))
        {
            // Tags are stored ",a,b," so one tag is one LIKE on every provider.
            var tag = $",{query.Tag.Trim().ToLowerInvariant()},";
            rows = rows.Where(c => ("," + c.Tags + ",").Contains(tag));
        }
        if (query.ChannelId is { } channelId)
        {
            rows = rows.Where(c => db.ChannelPosts.Any(p => p.ContentId == c.Id && p.ChannelId == channelId));
        }
        var total = await rows.CountAsync(ct);
        var page = await rows.OrderByDescending(c => c.UpdatedAt).ThenBy(c => c.Id)
            .Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).ToListAsync(ct);
        return new PagedResult<ContentView>([.. page.Select(ToView)], total, query.Page, query.PageSize);
    }

    public async Task<ContentView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var item = await FindAsync(db, id, ct);
        var posts = await db.ChannelPosts.AsNoTracking().Where(p => p.ContentId == id)
            .Join(db.Schedules, p => p.ScheduleId, s => s.Id, (p, s) => new ContentPostView(p.ScheduleId, p.ChannelId, p.WaveId, p.Repeat, s.NextRunAt ?? s.LastRunAt, s.Status))
            .ToListAsync(ct);
        return ToView(item) with { Posts = [.. posts.OrderBy(p => p.ScheduledFor ?? DateTime.MaxValue)] };
    }

    public async Task<ContentView> CreateAsync(ContentInput input, CancellationToken ct = default)
    {
        var workspaceId = current.RequireWorkspace();
        var userId = current.RequireUser();
        current.RequireEditor();
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var item = new ContentItem { Id = Guid.CreateVersion7(), WorkspaceId = workspaceId, Title = "", CreatedByUserId = userId, CreatedAt = now };
        await ApplyAsync(db, item, input, ct);
        item.UpdatedAt = now;
        db.ContentItems.Add(item);
        await db.SaveChangesAsync(ct);
        return ToView(item);
    }

    public async Task<ContentView> UpdateAsync(Guid id, ContentInput input, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var item = await FindAsync(db, id, ct);
        await ApplyAsync(db, item, input, ct);
        item.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return ToView(item);
    }

    /// <summary>Deletes the item; its schedules stay (they carry their own copy of the job) and lose the link.</summary>
    public async Task DeleteAsync(Guid id, CancellationToken ct = default)
    {
        current.RequireEditor();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var item = await FindAsync(db, id, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.ChannelPosts.Where(p => p.ContentId == id).ExecuteUpdateAsync(set => set.SetProperty(p => p.ContentId, (Guid?)null), ct);
        db.ContentItems.Remove(item);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>The item of the current workspace, or a 400 naming <paramref name="field"/> (another workspace's id is unknown here).</summary>
    public static async Task<ContentItem> ForPlanningAsync(AppDbContext db, Guid id, string field, CancellationToken ct) =>
        await db.ContentItems.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct)
        ?? throw new RequestValidationException(field, "No such content item in this workspace.");

    private static async Task<ContentItem> FindAsync(AppDbContext db, Guid id, CancellationToken ct) =>
        await db.ContentItems.FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException("Content item");

    /// <summary>Validates the whole input (every bad field named at once) and writes it onto <paramref name="item"/>.</summary>
    private async Task ApplyAsync(AppDbContext db, ContentItem item, ContentInput input, CancellationToken ct)
    {
        var errors = new List<ValidationError>();
        var title = input.Title?.Trim() ?? "";
        if (title.Length is 0 or > ContentLimits.MaxTitleLength)
        {
            errors.Add(new("title", $"Title is required, 1 to {ContentLimits.MaxTitleLength} characters."));
        }
        var description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        if (description is { Length: > ContentLimits.MaxDescriptionLength })
        {
            errors.Add(new("description", $"Description is at most {ContentLimits.MaxDescriptionLength} characters."));
        }
        var jobConfig = "{}";
        if (input.JobConfig is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } config)
        {
            jobConfig = config.GetRawText();
            if (config.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new("jobConfig", "Job config must be a JSON object, such as {\"format\": \"mp4\"}."));
            }
            else if (jobConfig.Length > Schedules.ScheduleLimits.MaxJobConfigLength)
            {
                errors.Add(new("jobConfig", $"Job config is at most {Schedules.ScheduleLimits.MaxJobConfigLength / 1024} KB."));
            }
        }
        var assets = new List<string>();
        var givenAssets = input.Assets ?? [];
        if (givenAssets.Count > ContentLimits.MaxAssets)
        {
            errors.Add(new("assets", $"At most {ContentLimits.MaxAssets} links."));
        }
        for (var i = 0; i < givenAssets.Count && i < ContentLimits.MaxAssets; i++)
        {
            var link = givenAssets[i]?.Trim() ?? "";
            if (link.Length > ContentLimits.MaxAssetLength || !Uri.TryCreate(link, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add(new($"assets[{i}]", "A link is an absolute http(s) URL, such as https://example.com/video.mp4."));
                continue;
            }
            assets.Add(link);
        }
        var tags = new List<string>();
        var givenTags = input.Tags ?? [];
        if (givenTags.Count > ContentLimits.MaxTags)
        {
            errors.Add(new("tags", $"At most {ContentLimits.MaxTags} tags."));
        }
        for (var i = 0; i < givenTags.Count && i < ContentLimits.MaxTags; i++)
        {
            var tag = givenTags[i]?.Trim().ToLowerInvariant() ?? "";
            if (tag.Length is 0 or > ContentLimits.MaxTagLength || tag.Contains(',', StringComparison.Ordinal) || tag.Any(char.IsControl))
            {
                errors.Add(new($"tags[{i}]", $"A tag is 1 to {ContentLimits.MaxTagLength} characters, without commas."));
                continue;
            }
            if (!tags.Contains(tag))
            {
                tags.Add(tag);
            }
        }
        var owner = string.IsNullOrWhiteSpace(input.OwnerUserId) ? null : input.OwnerUserId.Trim();
        if (owner is not null && (owner.Length > 450 || owner.Contains('\0', StringComparison.Ordinal) || !await db.WorkspaceMembers.AnyAsync(m => m.UserId == owner, ct)))
        {
            errors.Add(new("ownerUserId", "The owner must be a member of this workspace."));
        }
        DateTime? until = null;
        if (input.Evergreen is { } evergreen)
        {
            if (evergreen.IntervalDays is < 1 or > ContentLimits.MaxEvergreenIntervalDays)
            {
                errors.Add(new("evergreen.intervalDays", $"The interval is between 1 and {ContentLimits.MaxEvergreenIntervalDays} days."));
            }
            if (evergreen.MaxRepeats is < 1 or > ContentLimits.MaxEvergreenRepeats)
            {
                errors.Add(new("evergreen.maxRepeats", $"Repeats are between 1 and {ContentLimits.MaxEvergreenRepeats}, or empty for no limit."));
            }
            if (!string.IsNullOrWhiteSpace(evergreen.Until))
            {
                var parsed = LocalDatePattern.Iso.Parse(evergreen.Until.Trim());
                if (!parsed.Success || parsed.Value.Year is < 2000 or > 9000)
                {
                    errors.Add(new("evergreen.until", "A date is YYYY-MM-DD, such as 2027-06-30."));
                }
                else
                {
                    until = parsed.Value.AtMidnight().InUtc().ToDateTimeUtc();
                }
            }
        }
        if (errors.Count > 0)
        {
            throw new RequestValidationException(new ValidationResult(errors).ToDictionary());
        }
        item.Title = title;
        item.Description = description;
        item.JobType = input.JobType ?? JobType.Publish;
        item.JobConfig = jobConfig;
        item.Assets = string.Join('\n', assets);
        item.Tags = string.Join(',', tags);
        item.Status = input.Status ?? ContentStatus.Draft;
        item.OwnerUserId = owner;
        item.Evergreen = input.Evergreen is not null;
        item.EvergreenIntervalDays = input.Evergreen?.IntervalDays ?? 30;
        item.EvergreenMaxRepeats = input.Evergreen?.MaxRepeats;
        item.EvergreenUntil = until;
    }

    public static ContentView ToView(ContentItem c)
    {
        using var config = JsonDocument.Parse(c.JobConfig);
        return new ContentView(
            c.Id, c.Title, c.Description, c.JobType, config.RootElement.Clone(),
            c.Assets.Length == 0 ? [] : c.Assets.Split('\n'),
            c.Tags.Length == 0 ? [] : c.Tags.Split(','),
            c.Status, c.OwnerUserId,
            c.Evergreen ? new EvergreenView(c.EvergreenIntervalDays, c.EvergreenMaxRepeats, c.EvergreenUntil is { } u ? LocalDate.FromDateTime(u).ToString("yyyy-MM-dd", null) : null) : null,
            c.CreatedAt, c.UpdatedAt);
    }
}
