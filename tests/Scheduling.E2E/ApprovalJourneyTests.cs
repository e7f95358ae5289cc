using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>
/// Approval end to end, in two browsers: in a workspace that requires approval a Creator saves a schedule (a draft) and
/// submits it; the Admin approves it from the review queue; its first run is delivered to a loopback integration, and a
/// loopback event subscriber receives the schedule's and the run's lifecycle events in order.
/// </summary>
public sealed class ApprovalJourneyTests(ExecutionAppFixture app, ITestOutputHelper output) : IClassFixture<ExecutionAppFixture>
{
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";
    private const string CreatorEmail = "creator.approval@example.com";
    private const string CreatorPassword = "Creator-Approval-Pass-1";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Received(string Type, JsonElement Data);

    [Fact]
    public async Task Journey_CreatorSubmits_AdminApprovesFromTheQueue_TheRunIsDelivered_AndItsEventsArrive()
    {
        var runs = new ConcurrentQueue<Guid>();
        var events = new ConcurrentQueue<Received>();
        await using var receiver = await StartReceiverAsync(runs, events);
        var receiverUrl = receiver.Urls.First(u => u.StartsWith("http://", StringComparison.Ordinal));
        var name = "Reviewed clip " + Guid.NewGuid().ToString("N")[..6];

        using var admin = app.CreateSeededApiClient();
        var workspaces = await GetAsync(admin, "api/v1/workspaces");
        var workspace = workspaces.EnumerateArray().First(w => w.GetProperty("name").GetString() == "admin's workspace");
        var workspaceId = workspace.GetProperty("id").GetGuid();
        await SendAsync(admin, HttpMethod.Put, $"api/v1/workspaces/{workspaceId}", new { name = "admin's workspace", requireApproval = true });
        foreach (var jobType in new[] { "video_generation", "batch_generation", "script_generation", "caption_generation", "thumbnail_generation", "export", "publish", "newsletter" })
        {
            await SendAsync(admin, HttpMethod.Put, $"api/v1/workspace/webhooks/endpoints/{jobType}", new { url = $"{receiverUrl}/hook" });
        }
        await SendAsync(admin, HttpMethod.Post, "api/v1/workspace/event-subscriptions", new { url = $"{receiverUrl}/events", events = new[] { "*" }, description = "E2E subscriber" });

        // The Creator registers and joins by invitation.
        await using var creatorContext = await app.NewContextAsync();
        var creator = await creatorContext.NewPageAsync();
        creator.PageError += (_, error) => output.WriteLine($"[creator page error] {error}");
        await creator.GotoAsync("Account/Register");
        await creator.Locator("[id='Input.Email']").FillAsync(CreatorEmail);
        await creator.Locator("[id='Input.Password']").FillAsync(CreatorPassword);
        await creator.Locator("[id='Input.ConfirmPassword']").FillAsync(CreatorPassword);
        await creator.Locator(SubmitButton).ClickAsync();
        await WaitForCircuitAsync(creator);
        var invitation = await SendAsync(admin, HttpMethod.Post, "api/v1/workspace/invitations", new { email = CreatorEmail, role = "creator" });
        await creator.GotoAsync(invitation.GetProperty("acceptUrl").GetString()!);
        await WaitForCircuitAsync(creator);
        await creator.GetByTestId("accept-invitation").ClickAsync();
        await Expect(creator.GetByTestId("workspace-switcher-button")).ToContainTextAsync("admin's workspace");

        // The Creator saves a schedule (every ten seconds, so its first run follows the approval closely): a draft.
        await creator.GotoAsync("schedules/new");
        await WaitForCircuitAsync(creator);
        await FillAsync(creator, "schedule-name", name);
        await creator.GetByRole(AriaRole.Tab, new() { Name = "Cron" }).ClickAsync();
        // On a loaded machine the tab's re-render can land after a fill and empty the field: fill until it holds.
        await FillAsync(creator, "recurrence-cron", "*/10 * * * * *");
        await Expect(creator.Locator("input[data-testid='schedule-name'], [data-testid='schedule-name'] input")).ToHaveValueAsync(name);
        await creator.GetByTestId("save-schedule").ClickAsync();
        await Expect(creator).ToHaveURLAsync(new Regex("/schedules/[0-9a-f-]{36}$"));
        var scheduleId = Guid.Parse(new Uri(creator.Url).Segments[^1]);
        await Expect(creator.GetByTestId("approval-banner")).ToContainTextAsync("Draft");
        await creator.GetByTestId("submit-for-review").ClickAsync();
        await Expect(creator.GetByTestId("approval-banner")).Not.ToContainTextAsync("Draft");
        await creator.ScreenshotAsync(new() { Path = app.ScreenshotPath("60-approval-submitted"), FullPage = true });

        // The Admin approves it from the review queue.
        await using var adminContext = await app.NewContextAsync();
        var approver = await adminContext.NewPageAsync();
        approver.PageError += (_, error) => output.WriteLine($"[admin page error] {error}");
        await approver.GotoAsync("Account/Login");
        await approver.Locator("[id='Input.Email']").FillAsync(AppFixture.SeedAdminEmail);
        await approver.Locator("[id='Input.Password']").FillAsync(AppFixture.SeedAdminPassword);
        await approver.Locator(SubmitButton).ClickAsync();
        await WaitForCircuitAsync(approver);
        await Expect(approver.GetByTestId("nav-reviews-count")).ToHaveTextAsync("1");
        await approver.GotoAsync("reviews");
        await WaitForCircuitAsync(approver);
        var row = approver.GetByTestId("review-queue").Locator("tr").Filter(new() { Has = approver.GetByTestId("review-schedule").Filter(new() { HasText = name }) });
        await row.Locator("input[type=checkbox]").CheckAsync();
        await approver.ScreenshotAsync(new() { Path = app.ScreenshotPath("61-review-queue"), FullPage = true });
        await approver.GetByTestId("approve-selected").ClickAsync();
        await Expect(approver.GetByTestId("review-schedule").Filter(new() { HasText = name })).ToHaveCountAsync(0);

        // Its first run is delivered, and the subscriber hears every step in order.
        await WaitAsync(() => !runs.IsEmpty, "the first run to reach the integration", TimeSpan.FromSeconds(60));
        string[] expected = ["schedule.created", "schedule.submitted", "schedule.approved", "execution.started", "execution.completed"];
        await WaitAsync(() => Ours(events, scheduleId).Contains("execution.completed"), "execution.completed to reach the subscriber", TimeSpan.FromSeconds(60));
        var ours = Ours(events, scheduleId);
        output.WriteLine("events: " + string.Join(", ", ours));
        Assert.Equal(expected, ours.Where(expected.Contains).Distinct().ToArray());
        Assert.True(ours.IndexOf("schedule.approved") < ours.IndexOf("execution.started"), string.Join(", ", ours));

        await creator.ReloadAsync();
        await WaitForCircuitAsync(creator);
        await Expect(creator.GetByTestId("approval-banner")).ToHaveCountAsync(0);
        await creator.ScreenshotAsync(new() { Path = app.ScreenshotPath("62-approved-and-running"), FullPage = true });
        // Stop it: the fixture's app keeps running for this class.
        await SendAsync(admin, HttpMethod.Post, $"api/v1/schedules/{scheduleId}/pause", new { note = "E2E done" });
    }

    /// <summary>The events of this schedule (its own, and its runs'), in the order they arrived.</summary>
    private static List<string> Ours(ConcurrentQueue<Received> events, Guid scheduleId) =>
        [.. events.Where(e => e.Data.TryGetProperty("scheduleId", out var s) ? s.GetGuid() == scheduleId : e.Data.TryGetProperty("id", out var id) && id.GetGuid() == scheduleId)
            .Select(e => e.Type)];

    private static async Task<WebApplication> StartReceiverAsync(ConcurrentQueue<Guid> runs, ConcurrentQueue<Received> events)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var receiver = builder.Build();
        receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            var body = await JsonDocument.ParseAsync(request.Body);
            if (body.RootElement.TryGetProperty("executionId", out var id))
            {
                runs.Enqueue(id.GetGuid());
            }
            return Results.Json(new { ok = true });
        });
        receiver.MapPost("/events", async (HttpRequest request) =>
        {
            var body = await JsonDocument.ParseAsync(request.Body);
            events.Enqueue(new Received(body.RootElement.GetProperty("type").GetString()!, body.RootElement.GetProperty("data").Clone()));
            return Results.Ok();
        });
        await receiver.StartAsync();
        return receiver;
    }

    private static async Task WaitAsync(Func<bool> done, string what, TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(clock.Elapsed < limit, $"Gave up after {limit.TotalSeconds:0} s waiting for {what}.");
            await Task.Delay(250, Ct);
        }
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"GET {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string url, object body)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(method, url) { Content = JsonContent.Create(body) }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{method} {url} answered {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Fills a field and waits until it holds the value, filling again if a re-render emptied it.</summary>
    private static async Task FillAsync(IPage page, string testId, string value)
    {
        var input = page.Locator($"input[data-testid='{testId}'], [data-testid='{testId}'] input");
        for (var attempt = 1; ; attempt++)
        {
            await input.FillAsync(value);
            await input.BlurAsync();
            await Task.Delay(300, Ct);
            if (await input.InputValueAsync() == value || attempt == 5)
            {
                break;
            }
        }
        await Expect(input).ToHaveValueAsync(value);
    }

    private static Task WaitForCircuitAsync(IPage page) =>
        page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
}
