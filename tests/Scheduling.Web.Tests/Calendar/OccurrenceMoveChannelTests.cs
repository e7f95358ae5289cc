using System.Net;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Channels.ChannelApi;

namespace Scheduling.Web.Tests.Calendar;

/// <summary>
/// A calendar drag ("move this occurrence") onto a channel's rules, through <c>occurrences/move</c> on SQLite and
/// PostgreSQL: block mode refuses before saving with a 409 naming the channel and the rule, warn mode saves and says why.
/// Channel "Blog" (Paris): weekdays 09:00 and 18:00, 120 minutes apart, 2 a day, blackout Friday 8 March 2030.
/// </summary>
public class OccurrenceMoveChannelTests
{
    // Monday 4 March 2030, 12:00 UTC; Paris is UTC+1.
    private static readonly DateTimeOffset Monday = new(2030, 3, 4, 12, 0, 0, TimeSpan.Zero);
    private const string Paris = "Europe/Paris";

    private sealed record Setup(CalendarScenario S, Guid PostA, Guid Weekly);

    /// <summary>Post A (one-time, Tuesday 5 March 09:00) and "Weekly" (Tuesdays 18:00) on the channel.</summary>
    private static async Task<Setup> SetUpAsync(DatabaseProvider provider, string mode)
    {
        var s = await CalendarScenario.StartAsync(provider, Monday);
        var channel = await CreateChannelAsync(s.Client, new
        {
            name = "Blog",
            platform = "blog",
            timezone = Paris,
            postingTimes = Grid(Weekdays, "09:00", "18:00"),
            minGapMinutes = 120,
            maxPerDay = 2,
            blackoutDates = new[] { "2030-03-08" },
            conflictMode = mode,
        });
        var channelId = channel.GetProperty("id").GetGuid();
        var (status, a) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", Once("Post A", "2030-03-05T09:00:00", Paris, channelId));
        Assert.Equal(HttpStatusCode.Created, status);
        (status, var weekly) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", new
        {
            name = "Weekly",
            jobType = "publish",
            timezone = Paris,
            channelId,
            recurrence = new { rrule = "FREQ=WEEKLY;BYDAY=TU;BYHOUR=18;BYMINUTE=0", start = "2030-03-01T00:00:00" },
        });
        Assert.True(status == HttpStatusCode.Created, weekly.ToString());
        Assert.Empty(WarningCodes(weekly));
        return new Setup(s, a.GetProperty("id").GetGuid(), weekly.GetProperty("id").GetGuid());
    }

    private static Task<(HttpStatusCode Status, JsonElement Body)> MoveAsync(Setup x, Guid id, string occurrence, string to) =>
        SendAsync(x.S.Client, HttpMethod.Post, $"/api/v1/schedules/{id}/occurrences/move", new { occurrence, to });

    private static async Task<int> MovesOfAsync(Setup x, Guid id)
    {
        var (_, schedule) = await SendAsync(x.S.Client, HttpMethod.Get, $"/api/v1/schedules/{id}");
        return schedule.GetProperty("recurrence").GetProperty("moves").GetArrayLength();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "block")]
    [InlineData(DatabaseProvider.Sqlite, "warn")]
    [InlineData(DatabaseProvider.PostgreSql, "block")]
    [InlineData(DatabaseProvider.PostgreSql, "warn")]
    public async Task MoveOntoABlackoutDate_IsRefusedNamingTheRule_OrSavedWithAWarning(DatabaseProvider provider, string mode)
    {
        var x = await SetUpAsync(provider, mode);
        await using var _ = x.S;

        // Tuesday 5 March 18:00 → Friday 8 March 18:00, the channel's blackout date.
        var (status, body) = await MoveAsync(x, x.Weekly, "2030-03-05T17:00:00Z", "2030-03-08T18:00");

        if (mode == "block")
        {
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.Equal("Channel 'Blog' blocks this post: 2030-03-08 is a blackout date of the channel.", body.GetProperty("detail").GetString());
            Assert.Equal(0, await MovesOfAsync(x, x.Weekly)); // refused before saving
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(["blackout"], WarningCodes(body));
            Assert.Equal(1, await MovesOfAsync(x, x.Weekly));
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "block")]
    [InlineData(DatabaseProvider.Sqlite, "warn")]
    [InlineData(DatabaseProvider.PostgreSql, "block")]
    [InlineData(DatabaseProvider.PostgreSql, "warn")]
    public async Task MoveCloserThanTheGap_NamesTheOtherPost(DatabaseProvider provider, string mode)
    {
        var x = await SetUpAsync(provider, mode);
        await using var _ = x.S;

        // One-time Post A from 09:00 to 17:00: an hour before Weekly's 18:00 (and not a posting time).
        var (status, body) = await MoveAsync(x, x.PostA, "2030-03-05T08:00:00Z", "2030-03-05T17:00");

        if (mode == "block")
        {
            Assert.Equal(HttpStatusCode.Conflict, status);
            var detail = body.GetProperty("detail").GetString();
            Assert.Contains("Channel 'Blog'", detail, StringComparison.Ordinal);
            Assert.Contains("'Weekly'", detail, StringComparison.Ordinal);
            Assert.Contains("120 minutes", detail, StringComparison.Ordinal);
            var (_, a) = await SendAsync(x.S.Client, HttpMethod.Get, $"/api/v1/schedules/{x.PostA}");
            Assert.Equal("2030-03-05T09:00:00", a.GetProperty("scheduledAt").GetString());
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(["min_gap", "outside_posting_times"], WarningCodes(body));
            Assert.Equal(x.Weekly, body.GetProperty("warnings").EnumerateArray().Single(w => w.GetProperty("code").GetString() == "min_gap").GetProperty("scheduleId").GetGuid());
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "block")]
    [InlineData(DatabaseProvider.Sqlite, "warn")]
    [InlineData(DatabaseProvider.PostgreSql, "block")]
    [InlineData(DatabaseProvider.PostgreSql, "warn")]
    public async Task MoveOverTheDailyMaximum_CountsTheSchedulesOwnOtherPosts(DatabaseProvider provider, string mode)
    {
        var x = await SetUpAsync(provider, mode);
        await using var _ = x.S;

        // Weekly's 12 March occurrence onto Tuesday 5 March 13:00: that day already has Post A and Weekly's own 18:00.
        var (status, body) = await MoveAsync(x, x.Weekly, "2030-03-12T17:00:00Z", "2030-03-05T13:00");

        if (mode == "block")
        {
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.Contains("maximum 2 a day", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, await MovesOfAsync(x, x.Weekly));
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(["daily_maximum", "outside_posting_times"], WarningCodes(body));
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task MoveIntoAFreeSlot_SavesWithoutWarnings_AndItsOwnOldPlaceDoesNotCount(DatabaseProvider provider)
    {
        var x = await SetUpAsync(provider, "block");
        await using var _ = x.S;

        // Post A 09:00 → 11:00 the same day: its own 09:00 is vacated, so no gap with itself.
        var (status, body) = await MoveAsync(x, x.PostA, "2030-03-05T08:00:00Z", "2030-03-05T11:00");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal(["outside_posting_times"], WarningCodes(body)); // a warning only, even in block mode

        // Weekly's 5 March occurrence onto Wednesday 6 March 09:00, a free slot.
        (status, body) = await MoveAsync(x, x.Weekly, "2030-03-05T17:00:00Z", "2030-03-06T09:00");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Empty(WarningCodes(body));
    }
}
