using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Scheduling.Web.Tests.Channels;

/// <summary>Small helpers of the channel tests (the app itself comes from CalendarScenario: fixed clock, no dispatcher).</summary>
internal static class ChannelApi
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static object[] Grid(string[] weekdays, params string[] times) =>
        [.. weekdays.SelectMany(d => times.Select(t => (object)new { weekday = d, time = t }))];

    public static readonly string[] Weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"];
    public static readonly string[] EveryDay = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

    public static async Task<JsonElement> CreateChannelAsync(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/v1/channels", body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    public static object Once(string name, string at, string timezone, Guid channelId) =>
        new { name, jobType = "publish", scheduleType = "once", scheduledAt = at, timezone, channelId };

    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement);
    }

    public static string[] WarningCodes(JsonElement schedule) =>
        [.. schedule.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("code").GetString()!).Order()];
}
