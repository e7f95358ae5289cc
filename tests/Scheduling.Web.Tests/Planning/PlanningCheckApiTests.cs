using System.Net;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Calendar;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Channels.ChannelApi;

namespace Scheduling.Web.Tests.Planning;

/// <summary>
/// <c>POST /api/v1/planning/check</c>, what the schedule editor calls before saving, on SQLite and PostgreSQL: the
/// channel's conflicts (would be a 409) and warnings (would go with the save), nothing saved; bad input is a 400 naming the field.
/// </summary>
public class PlanningCheckApiTests
{
    // Monday 4 March 2030, 12:00 UTC; Paris is UTC+1.
    private static readonly DateTimeOffset Monday = new(2030, 3, 4, 12, 0, 0, TimeSpan.Zero);
    private const string Paris = "Europe/Paris";

    private static string[] Codes(JsonElement check, string list) =>
        [.. check.GetProperty(list).EnumerateArray().Select(w => w.GetProperty("code").GetString()!).Order()];

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Check_SaysWhatSavingWouldMeet_BlockingConflictsApartFromWarnings_AndSavesNothing(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        var block = (await CreateChannelAsync(s.Client, new
        {
            name = "Blog",
            platform = "blog",
            timezone = Paris,
            postingTimes = Grid(Weekdays, "09:00", "18:00"),
            minGapMinutes = 120,
            blackoutDates = new[] { "2030-03-08" },
            conflictMode = "block",
        })).GetProperty("id").GetGuid();
        var (status, a) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/schedules", Once("Post A", "2030-03-05T09:00:00", Paris, block));
        Assert.Equal(HttpStatusCode.Created, status);

        // An hour after Post A and not a posting time: the gap would refuse it, the posting time only warns.
        (status, var check) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/planning/check",
            new { schedule = Once("Post B", "2030-03-05T10:00:00", Paris, block) });
        Assert.True(status == HttpStatusCode.OK, check.ToString());
        Assert.Equal((block, "Blog", "block"), (check.GetProperty("channelId").GetGuid(), check.GetProperty("channelName").GetString(), check.GetProperty("conflictMode").GetString()));
        Assert.Equal(["min_gap"], Codes(check, "conflicts"));
        Assert.Contains("'Post A'", check.GetProperty("conflicts")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(a.GetProperty("id").GetGuid(), check.GetProperty("conflicts")[0].GetProperty("scheduleId").GetGuid());
        Assert.Equal(["outside_posting_times"], Codes(check, "warnings"));

        // Editing Post A itself: its own post is not a conflict with itself.
        var editA = Once("Post A", "2030-03-05T09:00:00", Paris, block);
        (status, check) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/planning/check", new { schedule = editA, scheduleId = a.GetProperty("id").GetGuid() });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(Codes(check, "conflicts"));
        Assert.Empty(Codes(check, "warnings"));

        // A recurring schedule meets the blackout date on Friday.
        (status, check) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/planning/check", new
        {
            schedule = new
            {
                name = "Daily",
                jobType = "publish",
                timezone = Paris,
                channelId = block,
                recurrence = new { rrule = "FREQ=DAILY;BYHOUR=18;BYMINUTE=0", start = "2030-03-04T00:00:00" },
            },
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("blackout", Codes(check, "conflicts"));

        // No channel: nothing to meet.
        (status, check) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/planning/check",
            new { schedule = new { name = "Loose", jobType = "publish", scheduleType = "once", scheduledAt = "2030-03-05T10:00:00", timezone = Paris } });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Null, check.GetProperty("channelId").ValueKind);

        var (_, list) = await SendAsync(s.Client, HttpMethod.Get, "/api/v1/schedules");
        Assert.Equal(1, list.GetProperty("total").GetInt32()); // the checks saved nothing
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Check_BadInput_Is400NamingTheField_AndAnUnknownSchedule404(DatabaseProvider provider)
    {
        await using var s = await CalendarScenario.StartAsync(provider, Monday);
        var channel = (await CreateChannelAsync(s.Client, new { name = "Blog", platform = "blog", timezone = Paris })).GetProperty("id").GetGuid();

        var (status, problem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/planning/check", new { });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("schedule", out _), problem.ToString());

        (status, problem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/planning/check",
            new { schedule = new { name = "", jobType = "publish", scheduleType = "once", scheduledAt = "2030-02-30T10:00:00", timezone = Paris, channelId = channel } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _), problem.ToString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("scheduledAt", out _), problem.ToString());

        (status, problem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/planning/check",
            new { schedule = Once("Past", "2030-03-01T10:00:00", Paris, channel) });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("scheduledAt", out _), problem.ToString());

        (status, problem) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/planning/check",
            new { schedule = Once("Other", "2030-03-05T10:00:00", Paris, Guid.NewGuid()) });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("channelId", out _), problem.ToString());

        (status, _) = await SendAsync(s.Client, HttpMethod.Post, "/api/v1/planning/check",
            new { schedule = Once("Post", "2030-03-05T10:00:00", Paris, channel), scheduleId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.NotFound, status);
    }
}
