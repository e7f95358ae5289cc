using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>
/// The schedules pages in the real app: schedules created through /api/v1 with the seeded token, then seen,
/// paused, resumed and opened in the browser as the seeded admin (who owns the token's workspace).
/// </summary>
public sealed class ScheduleJourneyTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";
    private const string Launch = "E2E Launch video";
    private const string Weekly = "E2E Weekly digest";
    private const string Teaser = "E2E Teaser";

    [Fact]
    public async Task Journey_ApiCreatedSchedules_ListPauseWithNoteResumeAndOpenDetails()
    {
        var weeklyId = await CreateSchedulesAsync();
        await using var context = await app.NewContextAsync();
        var page = await NewPageAsync(context);
        await RunCapturingFailureAsync(page, nameof(Journey_ApiCreatedSchedules_ListPauseWithNoteResumeAndOpenDetails), async () =>
        {
            await SignInAsync(page);

            // The grid lists the API's schedules, next run first.
            await page.GotoAsync("schedules");
            await WaitForCircuitAsync(page);
            var rows = page.GetByTestId("schedule-row");
            await Expect(rows).ToHaveCountAsync(3);
            await Expect(Row(page, Launch).GetByTestId("schedule-status")).ToHaveTextAsync("active");
            // Viewer in Paris (the browser's zone, adopted by the profile), schedule in New York: both are shown.
            await Expect(Row(page, Launch).GetByTestId("next-run-viewer")).ToHaveTextAsync("Thu 3 Jan 2030, 15:00 (Europe/Paris)");
            await Expect(Row(page, Launch).GetByTestId("next-run-schedule-zone")).ToHaveTextAsync("Thu 3 Jan 2030, 09:00 (America/New_York)");
            await Expect(Row(page, Launch).GetByTestId("next-run-relative")).ToHaveTextAsync(new Regex("^in about \\d+ years$"));
            await ShotAsync(page, "s01-schedules-grid-1280");

            // Pause through the row action, with a note: the chip turns "paused" and carries the note.
            await Row(page, Launch).GetByTestId("action-pause").ClickAsync();
            var note = page.Locator("textarea[data-testid='pause-note'], [data-testid='pause-note'] textarea");
            await note.FillAsync("Waiting for the new intro");
            await ShotAsync(page, "s02-pause-dialog");
            await page.GetByTestId("confirm-pause").ClickAsync();
            await Expect(Row(page, Launch).GetByTestId("schedule-status")).ToHaveTextAsync("paused");
            await Expect(Row(page, Launch).GetByTestId("schedule-status")).ToHaveAttributeAsync("title", "Waiting for the new intro");
            await Row(page, Launch).GetByTestId("schedule-status").HoverAsync();
            await ShotAsync(page, "s03-paused-with-note");

            // Resume: active again.
            await Row(page, Launch).GetByTestId("action-resume").ClickAsync();
            await Expect(Row(page, Launch).GetByTestId("schedule-status")).ToHaveTextAsync("active");

            // Filter by status: only the paused one would show; with none paused, the "no match" state.
            await page.GetByTestId("filter-status").ClickAsync();
            await page.Locator(".mud-popover-open").GetByText("paused", new() { Exact = true }).ClickAsync();
            await Expect(page.GetByTestId("schedules-no-match")).ToBeVisibleAsync();
            await page.GetByTestId("clear-filters").ClickAsync();
            await Expect(rows).ToHaveCountAsync(3);

            // Phone width: the grid stacks its cells (the MudDataGrid breakpoint) and still shows the actions.
            await PhoneShotAsync(context, "schedules", "s04-schedules-grid-phone-390x844", page => Expect(page.GetByTestId("schedule-row")).ToHaveCountAsync(3));

            // Details: opened from the row's name; the next ten occurrences in both zones.
            await Row(page, Weekly).GetByTestId("schedule-row").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex($"/schedules/{weeklyId}$"));
            await Expect(page.GetByTestId("details-name")).ToHaveTextAsync(Weekly);
            await Expect(page.GetByTestId("next-occurrence")).ToHaveCountAsync(10);
            await Expect(page.GetByTestId("next-occurrence").First).ToContainTextAsync("09:00");
            await Expect(page.GetByTestId("details-rrule")).ToContainTextAsync("FREQ=WEEKLY");
            await ShotAsync(page, "s05-schedule-details");
            await PhoneShotAsync(context, $"schedules/{weeklyId}", "s06-schedule-details-phone-390x844", page => Expect(page.GetByTestId("next-occurrence")).ToHaveCountAsync(10));

            // History tab: no run yet.
            await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
            await Expect(page.GetByTestId("history-empty")).ToContainTextAsync("No runs yet.");

            // An unknown id is a readable message, not an error page.
            await page.GotoAsync($"schedules/{Guid.NewGuid()}");
            await WaitForCircuitAsync(page);
            await Expect(page.GetByTestId("schedule-not-found")).ToContainTextAsync("Schedule not found");
        });
    }

    /// <summary>Three schedules in the seeded admin's workspace; returns the weekly one's id.</summary>
    private async Task<Guid> CreateSchedulesAsync()
    {
        using var http = app.CreateSeededApiClient();
        await PostAsync(http, new
        {
            name = Launch,
            jobType = "video_generation",
            scheduleType = "once",
            scheduledAt = "2030-01-03T09:00:00",
            timezone = "America/New_York",
            jobConfig = new { format = "mp4", resolution = "1080p" },
        });
        var weekly = await PostAsync(http, new
        {
            name = Weekly,
            description = "Monday and Wednesday digest for subscribers.",
            jobType = "newsletter",
            scheduleType = "recurring",
            timezone = "America/New_York",
            priority = "high",
            recurrence = new { frequency = "weekly", byDay = new[] { "MO", "WE" }, timesOfDay = new[] { "09:00" } },
        });
        await PostAsync(http, new
        {
            name = Teaser,
            jobType = "thumbnail_generation",
            scheduleType = "once",
            scheduledAt = "2031-06-01T18:30:00",
            timezone = "Europe/Paris",
            priority = "low",
        });
        return weekly.GetProperty("id").GetGuid();
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, object body)
    {
        using var response = await http.PostAsJsonAsync("api/v1/schedules", body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST /api/v1/schedules answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task SignInAsync(IPage page)
    {
        await page.GotoAsync("Account/Login");
        await page.Locator("[id='Input.Email']").FillAsync(AppFixture.SeedAdminEmail);
        await page.Locator("[id='Input.Password']").FillAsync(AppFixture.SeedAdminPassword);
        await page.Locator(SubmitButton).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(app.BaseUrl, "/").ToString());
        await WaitForCircuitAsync(page);
        await Expect(page.Locator("#dashboard-title")).ToHaveTextAsync("Dashboard");
    }

    /// <summary>The grid row holding the schedule's name link.</summary>
    private static ILocator Row(IPage page, string name) =>
        page.GetByTestId("schedules-grid").Locator("tbody tr").Filter(new() { Has = page.GetByTestId("schedule-row").GetByText(name, new() { Exact = true }) });

    private async Task PhoneShotAsync(IBrowserContext desktop, string url, string name, Func<IPage, Task> ready)
    {
        var phone = await desktop.NewPageAsync();
        await phone.SetViewportSizeAsync(390, 844);
        await phone.GotoAsync(url);
        await WaitForCircuitAsync(phone);
        await ready(phone);
        await ShotAsync(phone, name);
        await phone.CloseAsync();
    }

    private async Task<IPage> NewPageAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                output.WriteLine($"[browser {message.Type}] {message.Text}");
            }
        };
        page.PageError += (_, error) => output.WriteLine($"[page error] {error}");
        return page;
    }

    private async Task RunCapturingFailureAsync(IPage page, string name, Func<Task> steps)
    {
        try
        {
            await steps();
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("FAILED-" + name), FullPage = true });
            await File.WriteAllTextAsync(Path.ChangeExtension(app.ScreenshotPath("FAILED-" + name), ".html"), await page.ContentAsync());
            output.WriteLine($"Failure screenshot: {app.ScreenshotPath("FAILED-" + name)} (URL {page.Url})");
            throw;
        }
    }

    private static Task WaitForCircuitAsync(IPage page) =>
        page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    private async Task ShotAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new() { Path = app.ScreenshotPath(name), FullPage = true, Animations = ScreenshotAnimations.Disabled });
        output.WriteLine($"Screenshot {name}: {page.Url}");
    }
}
