using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>
/// A run held by an integration that answered 202 reports its progress through the API; the executions page, open in
/// the browser, shows it without a reload, and then its end.
/// </summary>
public sealed class ProgressJourneyTests(ExecutionAppFixture app, ITestOutputHelper output) : IClassFixture<ExecutionAppFixture>
{
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAcceptedRun_ReportsProgress_AndTheExecutionsPageShowsItLive()
    {
        await using var receiver = await StartAcceptingReceiverAsync();
        var receiverUrl = receiver.Urls.First(u => u.StartsWith("http://", StringComparison.Ordinal));
        using var http = app.CreateSeededApiClient();
        using var created = await http.PostAsJsonAsync("api/v1/schedules", new
        {
            name = "E2E Video with progress",
            jobType = "video_generation",
            scheduleType = "once",
            scheduledAt = "2031-01-03T09:00:00",
            timezone = "Europe/Paris",
            webhookUrl = $"{receiverUrl}/accept",
            retry = new { maxAttempts = 1, strategy = "none" },
            jobConfig = new { format = "mp4" },
        }, Ct);
        var scheduleText = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.IsSuccessStatusCode, scheduleText);
        var scheduleId = JsonDocument.Parse(scheduleText).RootElement.GetProperty("id").GetGuid();
        using var run = await http.PostAsJsonAsync($"api/v1/schedules/{scheduleId}/run", new { }, Ct);
        var runText = await run.Content.ReadAsStringAsync(Ct);
        Assert.True(run.IsSuccessStatusCode, runText);
        var runId = JsonDocument.Parse(runText).RootElement.GetProperty("id").GetGuid();
        await Runs.WaitForAsync(http, runId, e => e.GetProperty("status").GetString() == "running" && e.GetProperty("awaitingCallback").GetBoolean(), "the run to be accepted (202)", Ct);

        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => output.WriteLine($"[page error] {error}");
        await SignInAsync(page);
        await page.GotoAsync("executions");
        await WaitForCircuitAsync(page);
        var row = page.GetByTestId("executions-grid").Locator("tbody tr").Filter(new() { Has = page.Locator("[data-status=running]") });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("run-progress")).ToHaveCountAsync(0);
        // The page stays open (no reload, no navigation) while the integration reports.
        var marker = await page.EvaluateAsync<double>("() => { window.__noReload = Math.random(); return window.__noReload; }");

        await ReportAsync(http, runId, new { percent = 25, stage = "assemble", message = "Rendering scene 2" });
        await Expect(row.GetByTestId("run-progress")).ToHaveAttributeAsync("data-percent", "25");
        await Expect(row.GetByTestId("run-progress-stage")).ToHaveTextAsync("assemble");
        await ReportAsync(http, runId, new { percent = 60, stage = "assemble", message = "Rendering scene 5" });
        await Expect(row.GetByTestId("run-progress")).ToHaveAttributeAsync("data-percent", "60");

        // The drawer shows the message, and follows the next report too.
        await row.GetByTestId("execution-duration").ClickAsync();
        await Expect(page.GetByTestId("drawer-progress").GetByTestId("run-progress-message")).ToHaveTextAsync("Rendering scene 5");
        await ReportAsync(http, runId, new { percent = 10, stage = "upload", message = "Uploading" });
        await Expect(page.GetByTestId("drawer-progress").GetByTestId("run-progress")).ToHaveAttributeAsync("data-percent", "10");
        await Expect(page.GetByTestId("drawer-progress").GetByTestId("run-progress-message")).ToHaveTextAsync("Uploading");
        await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("p01-run-progress-1280"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
        Assert.Equal(marker, await page.EvaluateAsync<double>("() => window.__noReload"));
        await Axe.AssertNoneAsync(page, output, "executions with a running run's progress at 1280");

        // The dashboard's "Running now" card follows it live too, at phone width as well.
        await page.GotoAsync("");
        await WaitForCircuitAsync(page);
        var card = page.GetByTestId("running-card");
        await Expect(card.GetByTestId("run-progress")).ToHaveAttributeAsync("data-percent", "10");
        await ReportAsync(http, runId, new { percent = 35, stage = "upload", message = "Uploading, 35 %" });
        await Expect(card.GetByTestId("run-progress")).ToHaveAttributeAsync("data-percent", "35");
        await Expect(card.GetByTestId("run-progress-message")).ToHaveTextAsync("Uploading, 35 %");
        await Axe.AssertNoneAsync(page, output, "dashboard with a running run at 1280");
        var phone = await context.NewPageAsync();
        await phone.SetViewportSizeAsync(390, 844);
        await phone.GotoAsync("");
        await WaitForCircuitAsync(phone);
        await Expect(phone.GetByTestId("running-card").GetByTestId("run-progress")).ToHaveAttributeAsync("data-percent", "35");
        await Axe.AssertNoneAsync(phone, output, "dashboard with a running run at 390");
        await phone.GotoAsync("executions");
        await WaitForCircuitAsync(phone);
        await Expect(phone.GetByTestId("executions-grid").GetByTestId("run-progress")).ToHaveAttributeAsync("data-percent", "35");
        await Axe.AssertNoneAsync(phone, output, "executions with a running run at 390");
        await phone.CloseAsync();
        await page.GotoAsync("executions");
        await WaitForCircuitAsync(page);

        // The integration calls back: the run completes, progress is refused from then on.
        (await http.PostAsJsonAsync($"api/v1/executions/{runId}/complete", new { result = new { url = "https://video.example.com/1" } }, Ct)).EnsureSuccessStatusCode();
        await Expect(page.GetByTestId("executions-grid").Locator("[data-status=running]")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        using var late = await http.PostAsJsonAsync($"api/v1/executions/{runId}/progress", new { percent = 100, stage = "upload" }, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, late.StatusCode);
    }

    /// <summary>No serious or critical axe violation (as AccessibilityTests requires of every page) with the progress shown.</summary>

    private static async Task ReportAsync(HttpClient http, Guid runId, object body)
    {
        using var response = await http.PostAsJsonAsync($"api/v1/executions/{runId}/progress", body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"progress answered {(int)response.StatusCode}: {text}");
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("accepted").GetBoolean(), text);
    }


    /// <summary>An integration that takes the job and answers 202: the run stays running until its callback.</summary>
    private static async Task<WebApplication> StartAcceptingReceiverAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var receiver = builder.Build();
        receiver.MapPost("/accept", () => Results.Json(new { accepted = true }, statusCode: StatusCodes.Status202Accepted));
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
