using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>The schedule editor in a real browser: the recurrence builder, the live preview, saving.</summary>
public sealed class ScheduleEditorTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";

    [Fact]
    public async Task Editor_WeeklyScheduleThroughTheBuilder_PreviewsAndSaves()
    {
        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => output.WriteLine($"[page error] {error}");
        try
        {
            await SignInAsync(page);
            await page.GotoAsync("schedules/new");
            await WaitForCircuitAsync(page);

            await FillAsync(page, "schedule-name", "Weekly deep dive");
            // A pattern fills the builder: Monday and Thursday at 09:00.
            await page.GetByTestId("recurrence-preset").ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = "Twice weekly" }).ClickAsync();
            await Expect(page.GetByTestId("recurrence-description")).ToContainTextAsync("Monday and Thursday");
            // Then a chip adds Friday.
            await page.GetByTestId("weekday-FR").ClickAsync();
            await Expect(page.GetByTestId("recurrence-description")).ToContainTextAsync("Friday");

            // The schedule's own zone differs from the viewer's (Europe/Paris): both columns show.
            var zone = page.Locator("input[data-testid='schedule-timezone'], [data-testid='schedule-timezone'] input");
            await zone.FillAsync("New_York");
            await page.GetByRole(AriaRole.Option, new() { Name = "America/New_York" }).ClickAsync();
            await Expect(page.GetByTestId("recurrence-description")).ToContainTextAsync("America/New_York");
            await Expect(page.GetByTestId("preview-occurrence")).ToHaveCountAsync(10);
            await Expect(page.GetByTestId("schedule-preview")).ToContainTextAsync("You (Paris)");
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("20-schedule-editor"), FullPage = true });
            // The advanced section: runs, policies, retries, timeout, jitter, delivery.
            await page.GetByText("Advanced: runs, policies, delivery").ClickAsync();
            await Expect(page.GetByTestId("schedule-jitter")).ToBeVisibleAsync();
            var advanced = page.Locator(".mud-expand-panel").Filter(new() { HasText = "Advanced: runs, policies, delivery" });
            await Expect(advanced.Locator(".mud-collapse-entered")).ToHaveCountAsync(1);
            await advanced.ScreenshotAsync(new() { Path = app.ScreenshotPath("20b-schedule-editor-advanced"), Animations = ScreenshotAnimations.Disabled });
            await page.GetByText("Advanced: runs, policies, delivery").ClickAsync();

            await page.GetByTestId("save-schedule").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/schedules/[0-9a-f-]{36}$"));
            var id = Guid.Parse(page.Url[^36..]);

            // The browser's own session reads it back through the API.
            var response = await context.APIRequest.GetAsync($"api/v1/schedules/{id}");
            Assert.True(response.Ok, await response.TextAsync());
            var saved = (await response.JsonAsync())!.Value;
            Assert.Equal("Weekly deep dive", saved.GetProperty("name").GetString());
            Assert.Equal("America/New_York", saved.GetProperty("timezone").GetString());
            Assert.Contains("BYDAY=MO,TH,FR", saved.GetProperty("recurrence").GetProperty("rrule").GetString(), StringComparison.Ordinal);
            Assert.EndsWith("T09:00:00", saved.GetProperty("nextRunLocal").GetString(), StringComparison.Ordinal);

            // Editing opens the builder with the same rule.
            await page.GotoAsync($"schedules/{id}/edit");
            await WaitForCircuitAsync(page);
            await Expect(page.GetByTestId("recurrence-description")).ToContainTextAsync("Monday, Thursday and Friday");

            // The grid lists it; pause it with a note, then resume it, from its row.
            await page.GotoAsync("schedules");
            await WaitForCircuitAsync(page);
            var row = page.GetByTestId("schedules-grid").Locator("tbody tr")
                .Filter(new() { Has = page.GetByTestId("schedule-row").GetByText("Weekly deep dive", new() { Exact = true }) });
            await Expect(row.GetByTestId("schedule-status")).ToHaveTextAsync("active");
            await row.GetByTestId("action-pause").ClickAsync();
            await page.Locator("textarea[data-testid='pause-note'], [data-testid='pause-note'] textarea").FillAsync("Holiday break");
            await page.GetByTestId("confirm-pause").ClickAsync();
            await Expect(row.GetByTestId("schedule-status")).ToHaveTextAsync("paused");
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("22-schedule-grid-paused"), FullPage = true });
            await row.GetByTestId("action-resume").ClickAsync();
            await Expect(row.GetByTestId("schedule-status")).ToHaveTextAsync("active");
            var resumed = await (await context.APIRequest.GetAsync($"api/v1/schedules/{id}")).JsonAsync();
            Assert.Equal("active", resumed!.Value.GetProperty("status").GetString());
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("FAILED-editor"), FullPage = true });
            throw;
        }
    }

    [Fact]
    public async Task Editor_InvalidInput_ShowsReadableErrorsAndKeepsTheForm()
    {
        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        await SignInAsync(page);
        await page.GotoAsync("schedules/new");
        await WaitForCircuitAsync(page);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Cron" }).ClickAsync();
        await FillAsync(page, "recurrence-cron", "61 * * * *");
        await page.GetByTestId("save-schedule").ClickAsync();

        // Nothing saved: still on the editor, with the fields' messages and the cron text kept.
        await Expect(page).ToHaveURLAsync(new Regex("/schedules/new$"));
        await Expect(page.GetByText("Name is required")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("preview-errors")).ToBeVisibleAsync();
        await Expect(page.Locator("input[data-testid='recurrence-cron'], [data-testid='recurrence-cron'] input")).ToHaveValueAsync("61 * * * *");
        await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("21-schedule-editor-errors"), FullPage = true });
    }

    [Theory]
    [InlineData(390, 844, "23-schedule-editor-phone")]
    [InlineData(1366, 900, "24-schedule-editor-desktop")]
    public async Task Editor_CronRuleTwoZonesAndASkip_FitsTheScreenAndSaveStaysReachable(int width, int height, string screenshot)
    {
        await using var context = await app.NewContextAsync(width, height);
        var page = await context.NewPageAsync();
        try
        {
            await SignInAsync(page);
            await page.GotoAsync("schedules/new");
            await WaitForCircuitAsync(page);

            await FillAsync(page, "schedule-name", "Phone check");
            // The zone differs from the viewer's: the preview has its second column.
            var zone = page.Locator("input[data-testid='schedule-timezone'], [data-testid='schedule-timezone'] input");
            await zone.FillAsync("New_York");
            await page.GetByRole(AriaRole.Option, new() { Name = "America/New_York" }).ClickAsync();
            // On a loaded machine the zone's list was still closing over the tab, and at phone width the fixed app bar
            // covered the tab once scrolled to the top: wait for the list to go, and click the tab in the middle of the screen.
            // Once in a CI run the list stayed open after the choice (the search of the typed text answered after the click
            // and showed the list again): the choice is made, so Escape closes what is left, as a user would.
            await Expect(zone).ToHaveValueAsync("America/New_York");
            var option = page.GetByRole(AriaRole.Option, new() { Name = "America/New_York" });
            try
            {
                await Expect(option).ToBeHiddenAsync(new() { Timeout = 3000 });
            }
            catch (PlaywrightException)
            {
                await zone.PressAsync("Escape");
                await Expect(option).ToBeHiddenAsync();
            }
            await Expect(zone).ToHaveValueAsync("America/New_York");
            var cronTab = page.GetByRole(AriaRole.Tab, new() { Name = "Cron" });
            await cronTab.EvaluateAsync("e => e.scrollIntoView({ block: 'center' })");
            await cronTab.ClickAsync();
            await FillAsync(page, "recurrence-cron", "0 9,13,17 * * 1-5");
            await Expect(page.GetByTestId("preview-rrule")).ToContainTextAsync("BYHOUR=9,13,17");
            await Expect(page.GetByTestId("schedule-preview")).ToContainTextAsync("You (");
            await page.GetByTestId("exceptions-panel").GetByText("Exceptions").ClickAsync();
            // The panel opens with a transition, and the sticky save bar covers the bottom of the screen: on a loaded
            // machine the click once landed where "Add skip" was mid-transition. Finish the transition, then bring the
            // button to the middle of the screen before clicking it.
            await page.EvaluateAsync("() => document.getAnimations().forEach(a => { try { a.finish(); } catch { } })");
            await page.GetByTestId("add-skip").EvaluateAsync("e => e.scrollIntoView({ block: 'center' })");
            await page.GetByTestId("add-skip").ClickAsync();
            await Expect(page.Locator("input[data-testid='skip-date'], [data-testid='skip-date'] input")).Not.ToHaveValueAsync("");

            // Nothing widens the page: the table scrolls in its own box, the rule wraps.
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 0, $"The page is {overflow}px wider than the {width}px screen.");
            // Save is on screen wherever the page is scrolled (a sticky bar after the preview).
            await page.GetByTestId("schedule-preview").ScrollIntoViewIfNeededAsync();
            await Expect(page.GetByTestId("save-schedule")).ToBeInViewportAsync();
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath(screenshot) });
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath(screenshot + "-full"), FullPage = true });

            await page.GetByTestId("save-schedule").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/schedules/[0-9a-f-]{36}$"));
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath($"FAILED-{screenshot}"), FullPage = true });
            throw;
        }
    }

    private static async Task SignInAsync(IPage page)
    {
        await page.GotoAsync("Account/Login");
        await page.Locator("[id='Input.Email']").FillAsync(AppFixture.SeedAdminEmail);
        await page.Locator("[id='Input.Password']").FillAsync(AppFixture.SeedAdminPassword);
        await page.Locator(SubmitButton).ClickAsync();
        await WaitForCircuitAsync(page);
    }

    private static Task WaitForCircuitAsync(IPage page) =>
        page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    private static async Task FillAsync(IPage page, string testId, string value)
    {
        var input = page.Locator($"input[data-testid='{testId}'], [data-testid='{testId}'] input");
        await input.FillAsync(value);
        await input.BlurAsync();
    }
}
