using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>
/// The content calendar in the real app: schedules created through /api/v1 with the seeded token, then seen in
/// every view, dragged in the week view and skipped from the drawer by the seeded admin (viewer in Paris).
/// The app runs on the real clock, so the week used is three weeks ahead of today.
/// </summary>
public sealed class CalendarJourneyTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    /// <summary>The Monday three weeks ahead (Paris dates).</summary>
    private static DateTime Monday
    {
        get
        {
            var today = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, Paris).Date;
            return today.AddDays(21 - ((int)today.DayOfWeek + 6) % 7);
        }
    }

    private static string Utc(DateTime parisLocal) =>
        TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(parisLocal, DateTimeKind.Unspecified), Paris).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Local(DateTime value) => value.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Journey_SwitchViews_DragInWeek_SkipFromDrawer()
    {
        var monday = Monday;
        var date = monday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        using var http = app.CreateSeededApiClient();
        var daily = await PostAsync(http, new
        {
            name = "Cal daily digest",
            jobType = "newsletter",
            scheduleType = "recurring",
            timezone = "Europe/Paris",
            recurrence = new { frequency = "daily", timesOfDay = new[] { "09:00" }, start = Local(monday) },
        });
        var once = await PostAsync(http, new
        {
            name = "Cal launch video",
            jobType = "video_generation",
            scheduleType = "once",
            scheduledAt = Local(monday.AddDays(2).AddHours(14)),
            timezone = "Europe/Paris",
        });

        await using var context = await app.NewContextAsync(1366, 900);
        var page = await NewPageAsync(context);
        await RunCapturingFailureAsync(page, nameof(Journey_SwitchViews_DragInWeek_SkipFromDrawer), async () =>
        {
            await SignInAsync(page);
            await page.GotoAsync($"calendar?view=week&date={date}");
            await WaitForCircuitAsync(page);
            await Expect(page.Locator($"[data-testid=calendar-item][data-schedule-id='{once}']")).ToHaveAttributeAsync("data-occurrence", Utc(monday.AddDays(2).AddHours(14)));
            await Expect(page.Locator($"[data-testid=calendar-item][data-schedule-id='{daily}']")).ToHaveCountAsync(7);
            await Expect(page.GetByTestId("calendar-slot").First).ToHaveAttributeAsync("data-start", $"{date}T00:00:00");
            await ShotAsync(page, "calendar-week");

            // Views: each switch shows its own layout and lands in the URL.
            foreach (var (view, marker) in new[] { ("month", "calendar-day"), ("day", "calendar-slot"), ("agenda", "calendar-agenda"), ("timeline", "calendar-lane"), ("workweek", "calendar-slot"), ("week", "calendar-slot") })
            {
                await page.GetByTestId($"calendar-view-{view}").ClickAsync();
                await Expect(page.GetByTestId("calendar")).ToHaveAttributeAsync("data-view", view);
                await Expect(page).ToHaveURLAsync(new Regex($"view={view}"));
                await Expect(page.GetByTestId(marker).First).ToBeVisibleAsync();
                if (view == "month")
                {
                    await Expect(page.Locator($"[data-testid=calendar-day][data-date='{date}']")).ToBeVisibleAsync();
                    await ShotAsync(page, "calendar-month");
                }
            }

            // Drag the one-time schedule from Wednesday 14:00 to Thursday 16:00: it moves, and stays moved after reload.
            var thursday = Local(monday.AddDays(3).AddHours(16));
            // The HTML5 drag events a browser sends, dispatched on the real elements: Playwright's mouse-driven DragTo
            // starts no native drag in this headless Chromium (no dragstart fires), so the events are given directly.
            var source = page.Locator($"[data-testid=calendar-item][data-schedule-id='{once}']");
            var target = page.Locator($"[data-testid=calendar-slot][data-start='{thursday}']");
            var transfer = await page.EvaluateHandleAsync("() => new DataTransfer()");
            await source.DispatchEventAsync("dragstart", new { dataTransfer = transfer });
            await target.DispatchEventAsync("dragenter", new { dataTransfer = transfer });
            await target.DispatchEventAsync("dragover", new { dataTransfer = transfer });
            await target.DispatchEventAsync("drop", new { dataTransfer = transfer });
            await source.DispatchEventAsync("dragend", new { dataTransfer = transfer });
            var moved = Utc(monday.AddDays(3).AddHours(16));
            await Expect(page.Locator($"[data-testid=calendar-item][data-schedule-id='{once}']")).ToHaveAttributeAsync("data-occurrence", moved);
            await page.ReloadAsync();
            await WaitForCircuitAsync(page);
            await Expect(page.Locator($"[data-testid=calendar-item][data-schedule-id='{once}']")).ToHaveAttributeAsync("data-occurrence", moved);

            // Skip Friday's digest from the drawer: it stays on the calendar, struck through.
            var friday = Utc(monday.AddDays(4).AddHours(9));
            var fridayItem = page.Locator($"[data-testid=calendar-item][data-schedule-id='{daily}'][data-occurrence='{friday}']");
            await fridayItem.ClickAsync();
            await Expect(page.GetByTestId("occurrence-utc")).ToHaveTextAsync(friday);
            await ShotAsync(page, "calendar-drawer");
            await page.GetByTestId("occurrence-skip").ClickAsync();
            await Expect(fridayItem).ToHaveAttributeAsync("data-kind", "skipped");
            Assert.Contains("line-through", await fridayItem.EvaluateAsync<string>("e => getComputedStyle(e).textDecorationLine"), StringComparison.Ordinal);
            // Other journeys share the workspace and may plan into this week: count this journey's items only.
            await Expect(page.Locator($"[data-testid=calendar-item][data-schedule-id='{daily}']")).ToHaveCountAsync(7);
            await Expect(page.Locator($"[data-testid=calendar-item][data-schedule-id='{once}']")).ToHaveCountAsync(1);

            // Phone width: the default view is the agenda; month and week still fit (they scroll inside the calendar).
            var phone = await context.NewPageAsync();
            await phone.SetViewportSizeAsync(390, 844);
            await phone.GotoAsync($"calendar?date={date}");
            await WaitForCircuitAsync(phone);
            await Expect(phone.GetByTestId("calendar")).ToHaveAttributeAsync("data-view", "agenda");
            await ShotAsync(phone, "calendar-agenda-phone");
            await phone.GotoAsync($"calendar?view=month&date={date}");
            await WaitForCircuitAsync(phone);
            await Expect(phone.Locator($"[data-testid=calendar-day][data-date='{date}']")).ToBeVisibleAsync();
            await ShotAsync(phone, "calendar-month-phone");
            Assert.True(await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "The month page overflows the phone's width.");
            await phone.GotoAsync($"calendar?view=week&date={date}");
            await WaitForCircuitAsync(phone);
            await Expect(phone.GetByTestId("calendar-slot").First).ToBeAttachedAsync();
            await ShotAsync(phone, "calendar-week-phone");
            Assert.True(await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "The week page overflows the phone's width.");
            await phone.Locator($"[data-testid=calendar-item][data-schedule-id='{daily}']").First.ClickAsync();
            await Expect(phone.GetByTestId("occurrence-utc")).ToBeVisibleAsync();
            await ShotAsync(phone, "calendar-drawer-phone");
        });
    }

    /// <summary>
    /// Settings › Calendar feeds: create a feed in the browser, and the secret URL it shows serves the calendar as
    /// iCalendar to a client without a session (as Google Calendar or Outlook subscribe); revoked, it is gone.
    /// </summary>
    [Fact]
    public async Task Journey_CreateAnIcsFeed_ItsUrlServesTheCalendar_AndRevokingEndsIt()
    {
        var name = "Feed check " + Guid.NewGuid().ToString("N")[..6];
        using (var api = app.CreateSeededApiClient())
        {
            await PostAsync(api, new { name, jobType = "publish", scheduleType = "once", scheduledAt = Local(Monday.AddHours(11)), timezone = "Europe/Paris" });
        }
        await using var context = await app.NewContextAsync();
        var page = await NewPageAsync(context);
        await RunCapturingFailureAsync(page, nameof(Journey_CreateAnIcsFeed_ItsUrlServesTheCalendar_AndRevokingEndsIt), async () =>
        {
            await SignInAsync(page);
            await page.GotoAsync("settings/calendar-feeds");
            await WaitForCircuitAsync(page);
            var feedName = page.Locator("input[data-testid='feed-name'], [data-testid='feed-name'] input");
            await feedName.FillAsync("My phone");
            await feedName.BlurAsync();
            await page.GetByTestId("create-feed").ClickAsync();
            await Expect(page.GetByTestId("feed-url")).ToContainTextAsync(".ics");
            var url = (await page.GetByTestId("feed-url").TextContentAsync())!.Trim();

            // No cookie, no token: the URL is the secret.
            using var anonymous = new HttpClient();
            using var served = await anonymous.GetAsync(url, TestContext.Current.CancellationToken);
            var body = await served.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(served.IsSuccessStatusCode, $"{(int)served.StatusCode}: {body}");
            Assert.Equal("text/calendar", served.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("BEGIN:VCALENDAR", body, StringComparison.Ordinal);
            Assert.Contains("SUMMARY:" + name, body, StringComparison.Ordinal);
            // In the owner's zone (Paris), with its VTIMEZONE.
            Assert.Contains("DTSTART;TZID=Europe/Paris:" + Monday.AddHours(11).ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
            Assert.Contains("BEGIN:VTIMEZONE", body, StringComparison.Ordinal);

            await page.GetByTestId("revoke-feed").First.ClickAsync();
            await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
            await Expect(page.GetByTestId("revoke-feed")).ToHaveCountAsync(0);
            using var revoked = await anonymous.GetAsync(url, TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, revoked.StatusCode);
        });
    }

    private static async Task<Guid> PostAsync(HttpClient http, object body)
    {
        using var response = await http.PostAsJsonAsync("api/v1/schedules", body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST /api/v1/schedules answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
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
