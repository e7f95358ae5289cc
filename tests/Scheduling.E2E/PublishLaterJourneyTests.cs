using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>
/// Produce now, publish later in the browser: a video's production stages run, the run waits "ready to publish" with a
/// countdown in the run drawer beside its stages, and Publish now sends the upload stage once.
/// </summary>
public sealed class PublishLaterJourneyTests(ExecutionAppFixture app, ITestOutputHelper output) : IClassFixture<ExecutionAppFixture>
{
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AProducedVideo_WaitsReadyToPublish_WithItsStagesAndCountdown_AndPublishNowUploadsItOnce()
    {
        var actions = new ConcurrentQueue<string>();
        await using var receiver = await StartReceiverAsync(actions);
        var receiverUrl = receiver.Urls.First(u => u.StartsWith("http://", StringComparison.Ordinal));
        using var http = app.CreateSeededApiClient();
        using var created = await http.PostAsJsonAsync("api/v1/schedules", new
        {
            name = "E2E Video published later",
            jobType = "video_generation",
            scheduleType = "once",
            scheduledAt = "2031-01-03T09:00:00",
            timezone = "Europe/Paris",
            webhookUrl = $"{receiverUrl}/video",
            pipeline = new { stages = new object[] { new { key = "render", name = "Render" }, new { key = "upload", name = "Upload", publishing = true } } },
            publishAt = "+1d@12:00",
        }, Ct);
        var scheduleText = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.IsSuccessStatusCode, scheduleText);
        var scheduleId = JsonDocument.Parse(scheduleText).RootElement.GetProperty("id").GetGuid();
        // Run now: production goes at once, publishing waits for the next day at 12:00 Paris time.
        using var run = await http.PostAsJsonAsync($"api/v1/schedules/{scheduleId}/run", new { }, Ct);
        var runText = await run.Content.ReadAsStringAsync(Ct);
        Assert.True(run.IsSuccessStatusCode, runText);
        var runId = JsonDocument.Parse(runText).RootElement.GetProperty("id").GetGuid();
        await Runs.WaitForAsync(http, runId, e => e.GetProperty("readyToPublish").GetBoolean(), "the video to be produced and held", Ct);
        Assert.Equal(["render"], actions);

        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => output.WriteLine($"[page error] {error}");
        await SignInAsync(page);
        await page.GotoAsync("executions");
        await WaitForCircuitAsync(page);
        var row = page.GetByTestId("executions-grid").Locator("tbody tr").Filter(new() { HasText = "E2E Video published later" });
        await Expect(row.GetByTestId("execution-status")).ToContainTextAsync("ready to publish");

        await row.GetByTestId("execution-status").ClickAsync();
        var drawer = page.GetByTestId("execution-drawer");
        await Expect(drawer.GetByTestId("publish-countdown")).ToContainTextAsync("ready, publishes at");
        await Expect(drawer.GetByTestId("publish-countdown")).ToContainTextAsync("12:00");
        await Expect(drawer.Locator("[data-testid=run-stage][data-key=render]")).ToHaveAttributeAsync("data-state", "completed");
        await Expect(drawer.Locator("[data-testid=run-stage][data-key=upload]")).ToHaveAttributeAsync("data-state", "pending");
        await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("p02-ready-to-publish-1280"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
        await Axe.AssertNoneAsync(page, output, "a run ready to publish in the drawer at 1280");

        // The calendar shows the publishing as an item of its own, at its time tomorrow, apart from the runs.
        var tomorrow = TimeZoneInfo.ConvertTimeBySystemTimeZoneId(DateTime.UtcNow, "Europe/Paris").Date.AddDays(1)
            .ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await page.GotoAsync($"calendar?view=week&date={tomorrow}");
        await WaitForCircuitAsync(page);
        var publishing = page.Locator("[data-kind=publish]").Filter(new() { HasText = "E2E Video published later" });
        await Expect(publishing).ToHaveCountAsync(1);
        await Expect(publishing).ToContainTextAsync("Publish ·");
        await Expect(publishing).ToHaveAttributeAsync("data-status", "ready");
        await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("p03-calendar-publish-1280"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
        await Axe.AssertNoneAsync(page, output, "the calendar with a run ready to publish at 1280");

        await page.GotoAsync("executions");
        await WaitForCircuitAsync(page);
        await row.GetByTestId("execution-status").ClickAsync();
        await Expect(drawer.GetByTestId("publish-countdown")).ToContainTextAsync("ready, publishes at");
        await drawer.GetByTestId("publish-now").ClickAsync();
        await Runs.WaitForAsync(http, runId, e => e.GetProperty("status").GetString() == "completed", "the video to publish", Ct);
        await Expect(drawer.Locator("[data-testid=run-stage][data-key=upload]")).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 15_000 });
        Assert.Equal(["render", "upload"], actions);

        // At phone width the drawer shows the finished run's publish time.
        var phone = await context.NewPageAsync();
        await phone.SetViewportSizeAsync(390, 844);
        await phone.GotoAsync("executions");
        await WaitForCircuitAsync(phone);
        var phoneRow = phone.GetByTestId("executions-grid").Locator("tbody tr").Filter(new() { HasText = "E2E Video published later" });
        await phoneRow.GetByTestId("execution-status").ClickAsync();
        await Expect(phone.GetByTestId("execution-drawer").GetByTestId("publish-done")).ToBeVisibleAsync();
        await Axe.AssertNoneAsync(phone, output, "a published run in the drawer at 390");
        await phone.CloseAsync();
    }



    /// <summary>An integration that answers each stage at once, noting its action.</summary>
    private static async Task<WebApplication> StartReceiverAsync(ConcurrentQueue<string> actions)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var receiver = builder.Build();
        receiver.MapPost("/video", async (HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            var action = body.RootElement.GetProperty("action").GetString() ?? "";
            actions.Enqueue(action);
            return Results.Json(new { ok = true, action });
        });
        await receiver.StartAsync();
        return receiver;
    }

    private async Task SignInAsync(IPage page)
    {
        await page.GotoAsync("Account/Login");
        await page.Locator("[id='Input.Email']").FillAsync(AppFixture.SeedAdminEmail);
        await page.Locator("[id='Input.Password']").FillAsync(AppFixture.SeedAdminPassword);
        await page.Locator(SubmitButton).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(app.BaseUrl, "/").ToString());
        await WaitForCircuitAsync(page);
    }

    private static Task WaitForCircuitAsync(IPage page) =>
        page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
}
