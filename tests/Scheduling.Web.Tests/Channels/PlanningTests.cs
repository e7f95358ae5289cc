using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Calendar;
using Scheduling.Web.Tests.Infrastructure;
using static Scheduling.Web.Tests.Channels.ChannelApi;

namespace Scheduling.Web.Tests.Channels;

/// <summary>The planning helpers (conflicts, suggestions, gaps, utilisation) on SQLite and PostgreSQL.</summary>
public class PlanningTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string NewYork = "America/New_York";

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Planning_ConflictsSuggestionsGapsAndUtilisation_OfACrowdedWeek(DatabaseProvider provider)
    {
        // Monday 4 March 2030, 10:00 in New York.
        await using var s = await CalendarScenario.StartAsync(provider, new DateTimeOffset(2030, 3, 4, 15, 0, 0, TimeSpan.Zero));
        var channel = (await CreateChannelAsync(s.Client, new { name = "Blog", platform = "blog", timezone = NewYork, postingTimes = Grid(Weekdays, "09:00", "18:00"), minGapMinutes = 240, maxPerDay = 2 }))
            .GetProperty("id").GetGuid();
        foreach (var (name, at) in new[] { ("A", "2030-03-05T09:00:00"), ("B", "2030-03-05T09:30:00"), ("C", "2030-03-07T18:00:00") })
        {
            (await s.Client.PostAsJsonAsync("/api/v1/schedules", Once(name, at, NewYork, channel), Ct)).EnsureSuccessStatusCode();
        }

        var conflicts = await s.Client.GetFromJsonAsync<JsonElement>($"/api/v1/planning/conflicts?startDate=2030-03-04&endDate=2030-03-10&channelId={channel}", Ct);
        Assert.Equal(
            [("A", "min_gap", false), ("B", "min_gap", false), ("B", "outside_posting_times", false)],
            conflicts.EnumerateArray().Select(c => (c.GetProperty("name").GetString(), c.GetProperty("code").GetString(), c.GetProperty("blocking").GetBoolean()))
                .OrderBy(c => c.Item1).ThenBy(c => c.Item2));

        var suggestions = await s.Client.GetFromJsonAsync<JsonElement>($"/api/v1/planning/suggestions?channelId={channel}&count=3&startDate=2030-03-04&days=5&preferredHours=18", Ct);
        Assert.Equal(["2030-03-04T18:00:00", "2030-03-06T18:00:00", "2030-03-08T18:00:00"], suggestions.EnumerateArray().Select(x => x.GetProperty("local").GetString()!));
        Assert.All(suggestions.EnumerateArray(), x => Assert.True(x.GetProperty("onGrid").GetBoolean() && x.GetProperty("preferredHour").GetBoolean()));

        var gaps = await s.Client.GetFromJsonAsync<JsonElement>("/api/v1/planning/gaps?startDate=2030-03-04&endDate=2030-03-10", Ct);
        Assert.Equal(["2030-03-04", "2030-03-06", "2030-03-08", "2030-03-09", "2030-03-10"], gaps[0].GetProperty("days").EnumerateArray().Select(d => d.GetString()!));

        var utilisation = await s.Client.GetFromJsonAsync<JsonElement>("/api/v1/planning/utilisation?startDate=2030-03-04&endDate=2030-03-17", Ct);
        Assert.Equal([("2030-03-04", 10, 3, 30), ("2030-03-11", 10, 0, 0)], utilisation[0].GetProperty("weeks").EnumerateArray()
            .Select(w => (w.GetProperty("weekStart").GetString(), w.GetProperty("slots").GetInt32(), w.GetProperty("filled").GetInt32(), w.GetProperty("percent").GetInt32())));

        var (status, problem) = await SendAsync(s.Client, HttpMethod.Get, "/api/v1/planning/conflicts?startDate=2030-03-10&endDate=2030-03-01");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("endDate", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s.Client, HttpMethod.Get, "/api/v1/planning/suggestions?count=3")).Status);
    }
}
