using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Scheduling.LoadTest;

/// <summary>
/// The planning endpoints on crowded channels (docs/performance.md, "Channels, waves and planning"): ten channels posting
/// every hour, one holding 5,000 planned posts from now on (the next free slot is ~208 days out) and nine holding 500 each.
/// Measured: add to queue and suggestions on the 5,000-post channel (goal < 50 ms server time), and a wave of ten channels
/// (its conflict check: the preview, and the create that checks and saves; goal < 20 ms for the check).
/// </summary>
internal static class PlanningLoad
{
    private const int Channels = 10;
    private const int CrowdedPosts = 5000;
    private const int OtherPosts = 500;

    public static async Task<int> RunAsync(string dll, string work, IReadOnlyList<KeyValuePair<string, string>> environment, int repeats)
    {
        await using var app = await AppProcess.StartAsync(dll, work, workers: null, environment);
        Console.WriteLine($"app started: pid {app.Pid}, {app.BaseUrl}, healthy after {app.StartupTime.TotalSeconds:0.0} s");
        using var api = app.CreateApiClient();
        api.Timeout = TimeSpan.FromMinutes(5);

        var hours = Enumerable.Range(0, 24).Select(h => $"{h:00}:00").ToArray();
        var days = new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" };
        var channels = new List<Guid>();
        for (var c = 0; c < Channels; c++)
        {
            using var response = await api.PostAsJsonAsync("/api/v1/channels", new
            {
                name = $"Channel {c}",
                platform = "other",
                timezone = "UTC",
                postingTimes = days.SelectMany(d => hours.Select(t => new { weekday = d, time = t })),
                minGapMinutes = 60,
                maxPerDay = 24,
                conflictMode = "warn",
            });
            channels.Add(await IdAsync(response));
        }

        // Posts every hour on the hour from the next hour on: the crowded channel's slots are all taken for ~208 days.
        var first = DateTime.UtcNow.AddHours(2);
        first = new DateTime(first.Year, first.Month, first.Day, first.Hour, 0, 0, DateTimeKind.Utc);
        var seeding = System.Diagnostics.Stopwatch.StartNew();
        for (var c = 0; c < Channels; c++)
        {
            var count = c == 0 ? CrowdedPosts : OtherPosts;
            for (var offset = 0; offset < count; offset += 1000)
            {
                var batch = Enumerable.Range(offset, Math.Min(1000, count - offset)).Select(i => new
                {
                    jobType = "publish",
                    scheduleType = "once",
                    scheduledAt = first.AddHours(i).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
                    timezone = "UTC",
                    channelId = channels[c],
                });
                using var response = await api.PostAsJsonAsync("/api/v1/schedules/bulk", new { schedules = batch, namingPattern = $"C{c} post {{n}}" });
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"seeding answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        }
        Console.WriteLine($"seeded {CrowdedPosts + (Channels - 1) * OtherPosts} posts on {Channels} channels in {seeding.Elapsed.TotalSeconds:0.0} s");

        var crowded = channels[0];
        var contentIds = new Queue<Guid>();
        async Task NewContentAsync()
        {
            using var response = await api.PostAsJsonAsync("/api/v1/content", new { title = $"Item {Guid.NewGuid():N}", jobType = "publish" });
            contentIds.Enqueue(await IdAsync(response));
        }

        await NewContentAsync();
        var queue = await BulkLoad.MeasureAsync(app, repeats, _ => api.PostAsJsonAsync($"/api/v1/channels/{crowded}/queue", new { contentId = contentIds.Dequeue() }),
            reset: NewContentAsync);
        BulkLoad.Report("add to queue, 5,000 posts", queue, goalMs: 50);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var suggestions = await BulkLoad.MeasureAsync(app, repeats,
            _ => api.GetAsync($"/api/v1/planning/suggestions?channelId={crowded}&count=10&startDate={today}&days=14&preferredHours=10,14,18"));
        BulkLoad.Report("suggestions, 5,000 posts", suggestions, goalMs: 50);

        // A wave of ten channels at half past an hour, inside the crowded window: each channel checks its gap and daily maximum.
        var at = first.AddDays(3).AddMinutes(30).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
        await NewContentAsync();
        var previewContent = contentIds.Dequeue();
        var preview = await BulkLoad.MeasureAsync(app, repeats,
            _ => api.PostAsJsonAsync("/api/v1/waves/preview", new { contentId = previewContent, channelIds = channels, mode = "simultaneous", at, timezone = "UTC" }));
        BulkLoad.Report("wave preview, 10 channels", preview, goalMs: 20);
        // The same request with one channel: the difference is what nine more channels' checks cost (the rest is the
        // request itself: authentication, reading the content and channels, JSON).
        var single = await BulkLoad.MeasureAsync(app, repeats,
            _ => api.PostAsJsonAsync("/api/v1/waves/preview", new { contentId = previewContent, channelIds = channels.Take(1), mode = "simultaneous", at, timezone = "UTC" }));
        BulkLoad.Report("wave preview, 1 channel", single, goalMs: 20);
        Console.WriteLine($"nine more channels' checks: {preview.Median - single.Median:0.0} ms wall, {preview.CpuPerRequest - single.CpuPerRequest:0.0} ms app CPU (medians)");

        await NewContentAsync();
        var create = await BulkLoad.MeasureAsync(app, repeats,
            _ => api.PostAsJsonAsync("/api/v1/waves", new { contentId = contentIds.Dequeue(), channelIds = channels, mode = "simultaneous", at, timezone = "UTC" }),
            reset: NewContentAsync);
        BulkLoad.Report("wave create, 10 channels", create, goalMs: 100);
        return 0;
    }

    private static async Task<Guid> IdAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}");
        }
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }
}
