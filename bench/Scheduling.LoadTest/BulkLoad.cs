using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Scheduling.LoadTest;

/// <summary>
/// The bulk endpoints (docs/performance.md, "Bulk operations"): wall time and the app's CPU time per request of a bulk create
/// of 1,000 schedules, a dry run of a 10,000-row CSV import, a bulk pause (then resume) of 1,000 schedules by filter, and
/// the series page of a 500-episode series (the series with its episodes, and one page of them).
/// </summary>
internal static class BulkLoad
{
    public static async Task<int> RunAsync(string dll, string work, IReadOnlyList<KeyValuePair<string, string>> environment, int repeats)
    {
        await using var app = await AppProcess.StartAsync(dll, work, workers: null, environment);
        Console.WriteLine($"app started: pid {app.Pid}, {app.BaseUrl}, healthy after {app.StartupTime.TotalSeconds:0.0} s");
        using var api = app.CreateApiClient();
        api.Timeout = TimeSpan.FromMinutes(5);

        object Item(int i, string jobType) => new
        {
            jobType,
            timezone = (i % 3) switch { 0 => "Europe/Paris", 1 => "America/New_York", _ => "Asia/Kolkata" },
            recurrence = new { rrule = "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYMINUTE=30", start = "2030-01-01T00:00:00" },
            priority = "normal",
        };

        // Each bulk create adds 1,000 publish schedules; the pauses act on a separate 1,000 newsletters, selected by filter.
        var create = await MeasureAsync(app, repeats, _ => api.PostAsJsonAsync("/api/v1/schedules/bulk", new
        {
            schedules = Enumerable.Range(0, 1000).Select(i => Item(i, "publish")),
            sharedConfig = new { format = "mp4" },
            namingPattern = "Tip #{n}: {weekday} {date}",
        }));
        Report("bulk create of 1,000", create, goalMs: 1000);

        var csv = new StringBuilder("name,jobType,timezone,rrule,start,priority\n");
        for (var i = 0; i < 10_000; i++)
        {
            csv.Append("Row ").Append(i).Append(",newsletter,Europe/Berlin,\"FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=18\",2030-01-01T00:00:00,high\n");
        }
        var body = csv.ToString();
        Console.WriteLine($"import file: 10,000 rows, {body.Length / 1024} KB");
        var import = await MeasureAsync(app, repeats, _ => api.PostAsync("/api/v1/schedules/import?format=csv&dryRun=true", new StringContent(body, Encoding.UTF8, "text/csv")));
        Report("import dry run of 10,000 CSV rows", import, goalMs: 3000);

        using (var seeded = await api.PostAsJsonAsync("/api/v1/schedules/bulk", new { schedules = Enumerable.Range(0, 1000).Select(i => Item(i, "newsletter")), namingPattern = "News {n}" }))
        {
            seeded.EnsureSuccessStatusCode();
        }
        // Each round starts from 1,000 active newsletters: the resume that restores them is not measured.
        var pause = await MeasureAsync(app, repeats,
            _ => api.PostAsJsonAsync("/api/v1/schedules/bulk/pause", new { filter = new { status = "active", jobType = "newsletter" } }),
            reset: async () => (await api.PostAsJsonAsync("/api/v1/schedules/bulk/resume", new { filter = new { status = "paused", jobType = "newsletter" } })).EnsureSuccessStatusCode());
        Report("bulk pause of 1,000 by filter", pause, goalMs: 300);

        // The series page of a 500-episode series: the series with every episode (GET), and the page's own query (one
        // page of episodes, jumping to the next one).
        Guid seriesId;
        using (var series = await api.PostAsJsonAsync("/api/v1/schedules/series", new
        {
            name = "Bench series",
            jobType = "publish",
            template = new { titleTemplate = "{title} #{episode}: {weekday}" },
            episodeCount = 500,
            recurrence = new { rrule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", start = "2030-01-01T00:00:00" },
            timezone = "America/New_York",
        }))
        {
            series.EnsureSuccessStatusCode();
            seriesId = (await series.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }
        Report("series of 500 episodes (GET)", await MeasureAsync(app, repeats, _ => api.GetAsync($"/api/v1/schedules/series/{seriesId}")), goalMs: 200);
        Report("series page: episodes page (jump)", await MeasureAsync(app, repeats, _ => api.GetAsync($"/api/v1/schedules/series/{seriesId}/episodes?containing=250&pageSize=25")), goalMs: 200);
        return 0;
    }

    internal sealed record Figures(double Median, double Min, double CpuPerRequest);

    internal static void Report(string what, Figures figures, double goalMs) =>
        Console.WriteLine($"{what,-36} wall median {figures.Median,7:0} ms  min {figures.Min,7:0} ms  app CPU {figures.CpuPerRequest,7:0} ms a request   goal < {goalMs:0} ms: wall {(figures.Median < goalMs ? "PASS" : "MISS")}, app CPU {(figures.CpuPerRequest < goalMs ? "PASS" : "MISS")}");

    /// <summary>
    /// Median wall time of <paramref name="repeats"/> requests after one unmeasured one, and the app's CPU time per request;
    /// <paramref name="reset"/> runs before each, outside the measurement.
    /// </summary>
    internal static async Task<Figures> MeasureAsync(AppProcess app, int repeats, Func<int, Task<HttpResponseMessage>> send, Func<Task>? reset = null)
    {
        var times = new List<double>();
        var cpu = TimeSpan.Zero;
        for (var i = 0; i <= repeats; i++)
        {
            if (reset is not null && i > 0)
            {
                await reset();
            }
            var cpuBefore = app.CpuTime();
            var watch = Stopwatch.StartNew();
            using var response = await send(i);
            var elapsed = watch.Elapsed.TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            if (i > 0)
            {
                times.Add(elapsed);
                cpu += app.CpuTime() - cpuBefore;
            }
        }
        times.Sort();
        var cpuPerRequest = cpu.TotalMilliseconds / repeats;
        return new Figures(times[times.Count / 2], times[0], cpuPerRequest);
    }
}
