using Microsoft.EntityFrameworkCore;
using NodaTime;
using Scheduling.Core.Calendar;
using Scheduling.Core.Common;
using Scheduling.Web.Api;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Features.Calendar;

public sealed record CalendarFeedView(Guid Id, string Name, DateTime CreatedAt, DateTime? LastUsedAt);

/// <summary>A feed just created: <see cref="Url"/> holds the secret and is in this answer only.</summary>
public sealed record CreatedCalendarFeed(Guid Id, string Name, string Url, DateTime CreatedAt);

/// <summary>
/// ICS subscriptions of the workspace's calendar. A feed is a read-only view, so every role (Managers included)
/// creates and revokes its own feeds; it stops working when revoked or when its owner leaves the workspace.
/// </summary>
public sealed class CalendarFeedService(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, CalendarService calendar, TimeProvider clock,
    Security.PublicUrls urls)
{
    // Links and UIDs come from App:PublicBaseUrl, never from the request's Host (a forged Host must not reach a feed).
    private string BaseUrl => urls.BaseUri.AbsoluteUri.TrimEnd('/');

    public const int MaxNameLength = 100;
    public const int MaxFeedsPerUser = 20;
    public const int DaysBack = 30;
    public const int DaysAhead = 180;
    public const string RoutePrefix = "/api/v1/calendar/feeds/";
    private const string TokenPrefix = "cal_";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);
    private static readonly Duration NominalLength = Duration.FromMinutes(30);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>The current user's feeds in the current workspace, newest first (never their secret).</summary>
    public async Task<IReadOnlyList<CalendarFeedView>> ListMineAsync(CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.CalendarFeeds.Where(f => f.UserId == userId).Select(f => new CalendarFeedView(f.Id, f.Name, f.CreatedAt, f.LastUsedAt)).ToListAsync(ct);
        return [.. rows.OrderByDescending(f => f.CreatedAt)];
    }

    public async Task<CreatedCalendarFeed> CreateAsync(string? name, CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        var workspaceId = current.RequireWorkspace();
        var validName = name?.Trim() ?? "";
        if (validName.Length is 0 or > MaxNameLength)
        {
            throw new RequestValidationException("name", $"Name is required (at most {MaxNameLength} characters).");
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.CalendarFeeds.CountAsync(f => f.UserId == userId, ct) >= MaxFeedsPerUser)
        {
            throw new RequestValidationException("name", $"At most {MaxFeedsPerUser} feeds each: revoke one you no longer use.");
        }
        var token = TokenPrefix + Secrets.NewUrlSafe();
        var feed = new CalendarFeed
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = workspaceId,
            UserId = userId,
            Name = validName,
            TokenHash = Secrets.Hash(token),
            CreatedAt = Now,
        };
        db.CalendarFeeds.Add(feed);
        await db.SaveChangesAsync(ct);
        return new CreatedCalendarFeed(feed.Id, feed.Name, $"{BaseUrl}{RoutePrefix}{token}.ics", feed.CreatedAt);
    }

    public async Task RevokeAsync(Guid id, CancellationToken ct = default)
    {
        var userId = current.RequireUser();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var deleted = await db.CalendarFeeds.Where(f => f.Id == id && f.UserId == userId).ExecuteDeleteAsync(ct);
        if (deleted == 0)
        {
            throw new NotFoundException("Calendar feed");
        }
    }

    /// <summary>
    /// The feed's calendar as RFC 5545 text, from <see cref="DaysBack"/> days before today (UTC) to
    /// <see cref="DaysAhead"/> days after; null when the token is unknown, revoked, or its owner left the workspace.
    /// </summary>
    public async Task<string?> RenderAsync(string token, CancellationToken ct = default)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 100)
        {
            return null;
        }
        var hash = Secrets.Hash(token);
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var feed = await db.CalendarFeeds.IgnoreQueryFilters().FirstOrDefaultAsync(f => f.TokenHash == hash, ct);
            var member = feed is null ? null : await db.WorkspaceMembers.IgnoreQueryFilters().Include(m => m.Workspace)
                .FirstOrDefaultAsync(m => m.WorkspaceId == feed.WorkspaceId && m.UserId == feed.UserId, ct);
            if (feed is null || member is null)
            {
                return null;
            }
            if (feed.LastUsedAt is null || Now - feed.LastUsedAt > LastUsedResolution)
            {
                feed.LastUsedAt = Now;
                await db.SaveChangesAsync(ct);
            }
            // The feed reads as its owner: the workspace's query filters apply as for any request of theirs.
            current.Set(feed.UserId, feed.WorkspaceId, member.Workspace!.Name, member.Role, isInstanceAdmin: false);
        }

        var (start, end) = Window(clock);
        var occurrences = await calendar.ProjectAsync(start, end, FeedFilter, titles: true, ct);
        return Write(occurrences, current.WorkspaceName, BaseUrl, Instant.FromDateTimeOffset(clock.GetUtcNow()));
    }

    /// <summary>What a feed shows: the calendar's defaults, with completed schedules (their history) kept.</summary>
    public static CalendarFilter FeedFilter { get; } = new(IncludeCompleted: true);

    /// <summary>Whole UTC days: [today − 30, today + 180] (the same range as the calendar API for those dates in UTC).</summary>
    public static (Instant Start, Instant End) Window(TimeProvider clock)
    {
        var today = Instant.FromDateTimeOffset(clock.GetUtcNow()).InUtc().Date;
        return (today.PlusDays(-DaysBack).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant(),
            today.PlusDays(DaysAhead + 1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant());
    }

    private static string Write(IReadOnlyList<CalendarOccurrence> occurrences, string workspaceName, string baseUrl, Instant now)
    {
        var host = Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) ? uri.Host : "scheduling";
        var ics = new IcsWriter()
            .Line("BEGIN", "VCALENDAR")
            .Line("VERSION", "2.0")
            .Line("PRODID", "-//Scheduling.Web//Content calendar//EN")
            .Line("CALSCALE", "GREGORIAN")
            .Line("METHOD", "PUBLISH")
            .Text("X-WR-CALNAME", $"{workspaceName} · content calendar")
            .Line("X-PUBLISHED-TTL", "PT1H");
        // Each schedule's zone once, with its transitions over the feed's window (and the longest event after it).
        var zones = occurrences.Select(o => o.Schedule.TimeZone).Distinct(StringComparer.Ordinal)
            .Select(DateTimeZoneProviders.Tzdb.GetZoneOrNull).OfType<DateTimeZone>()
            .Where(zone => zone != DateTimeZone.Utc && zone.Id is not ("UTC" or "Etc/UTC"))
            .ToDictionary(zone => zone.Id, StringComparer.Ordinal);
        if (occurrences.Count > 0)
        {
            var first = occurrences.Min(o => o.Entry.At);
            var last = occurrences.Max(o => o.Entry.At) + Duration.FromHours(25);
            foreach (var zone in zones.Values.OrderBy(z => z.Id, StringComparer.Ordinal))
            {
                ics.TimeZone(zone, first, last);
            }
        }
        foreach (var o in occurrences)
        {
            var entry = o.Entry;
            var link = $"{baseUrl.TrimEnd('/')}/schedules/{o.Schedule.Id}";
            var length = o.Schedule.TimeoutSeconds is { } seconds ? Duration.FromSeconds(seconds) : NominalLength;
            var zone = zones.GetValueOrDefault(o.Schedule.TimeZone) ?? DateTimeZone.Utc;
            ics.Line("BEGIN", "VEVENT")
                // One UID per occurrence (its planned instant), so a run or a move updates the same event.
                .Line("UID", $"{o.Schedule.Id:N}-{IcsWriter.Format(entry.Original ?? entry.At)}@{host}")
                .Time("DTSTAMP", now)
                .Time("DTSTART", entry.At, zone)
                .Time("DTEND", entry.At + length, zone)
                .Text("SUMMARY", o.Title)
                .Text("DESCRIPTION", $"{o.Schedule.Name}\nJob type: {o.Schedule.JobType.ToWire()}\nStatus: {o.Status} ({entry.Kind.ToWire()})\n{link}")
                .Line("URL", link)
                // Skipped (planned or already recorded so): the occurrence does not happen.
                .Line("STATUS", entry.Kind == CalendarItemKind.Skipped || o.Status == "skipped" ? "CANCELLED" : "CONFIRMED")
                .Text("CATEGORIES", o.Schedule.JobType.ToWire())
                .Line("TRANSP", "TRANSPARENT")
                .Line("END", "VEVENT");
        }
        return ics.Line("END", "VCALENDAR").ToString();
    }
}
