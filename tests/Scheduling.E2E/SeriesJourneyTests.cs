using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>
/// A series made in the browser: the editor's live preview, the episodes planned on the series page, one episode
/// retitled and one skipped with the order kept, the episodes on the calendar; screenshots at laptop and phone width.
/// </summary>
public sealed class SeriesJourneyTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";

    [Fact]
    public async Task Journey_CreateASeries_SeeItsEpisodes_RetitleOne_SkipOne_OrderKept()
    {
        await using var context = await app.NewContextAsync(1366, 900);
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => output.WriteLine($"[page error] {error}");
        try
        {
            await SignInAsync(page);
            await page.GotoAsync("series/new");
            await WaitForCircuitAsync(page);

            await Field(page, "series-name-input").FillAsync("E2E Bedtime Stories");
            await Field(page, "series-title-template").FillAsync("{title} #{episode}");
            await Field(page, "series-episode-count").FillAsync("5");
            await Field(page, "series-episode-count").BlurAsync();
            await Expect(page.GetByTestId("preview-title").First).ToHaveTextAsync("E2E Bedtime Stories #1");
            await Expect(page.GetByTestId("preview-title")).ToHaveCountAsync(5);

            await page.GetByTestId("save-series").ClickAsync();
            await Expect(page.GetByTestId("series-title")).ToHaveTextAsync("E2E Bedtime Stories");
            await Expect(page.GetByTestId("episode-status")).ToHaveCountAsync(5);
            await Expect(page.GetByTestId("episode-status")).ToHaveTextAsync(["scheduled", "scheduled", "scheduled", "scheduled", "scheduled"]);
            await Expect(page.GetByTestId("series-progress")).ToContainTextAsync("0 of 5 released");

            // Retitle episode 2.
            await page.GetByRole(AriaRole.Button, new() { Name = "Edit episode 2" }).ClickAsync();
            await Field(page, "episode-title-input").FillAsync("The Lighthouse Keeper");
            await page.GetByTestId("save-episode").ClickAsync();
            await Expect(page.GetByTestId("episode-title").Nth(1)).ToHaveTextAsync("The Lighthouse Keeper");

            // Skip episode 3: it stays in its place, the others keep theirs.
            await page.GetByRole(AriaRole.Button, new() { Name = "Skip episode 3" }).ClickAsync();
            await Expect(page.GetByTestId("episode-status").Nth(2)).ToHaveTextAsync("skipped");
            await Expect(page.GetByTestId("episode-number")).ToHaveTextAsync(["1", "2", "3", "4", "5"]);
            await Expect(page.GetByTestId("episode-title")).ToHaveTextAsync(
                ["E2E Bedtime Stories #1", "The Lighthouse Keeper", "E2E Bedtime Stories #3", "E2E Bedtime Stories #4", "E2E Bedtime Stories #5"]);
            await Expect(page.GetByTestId("episode-status")).ToHaveTextAsync(["scheduled", "scheduled", "skipped", "scheduled", "scheduled"]);
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("series-journey-laptop"), FullPage = true });

            // The episodes on the calendar: each under its own title, the skipped one marked skipped; an episode's
            // drawer names its series and leads back to it (the occurrence edits are the series page's).
            await page.GotoAsync("calendar?view=agenda");
            await WaitForCircuitAsync(page);
            var episodes = page.GetByTestId("calendar-item");
            await Expect(episodes).ToHaveCountAsync(5);
            await Expect(episodes.Filter(new() { HasText = "E2E Bedtime Stories #3" })).ToHaveAttributeAsync("data-kind", "skipped");
            var keeper = episodes.Filter(new() { HasText = "The Lighthouse Keeper" });
            await Expect(keeper).ToHaveAttributeAsync("data-kind", "planned");
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("series-journey-calendar"), FullPage = true });
            await keeper.ClickAsync();
            await Expect(page.GetByTestId("occurrence-series")).ToHaveTextAsync("E2E Bedtime Stories");
            await Expect(page.GetByTestId("occurrence-run-now")).ToHaveCountAsync(0);
            await page.GetByTestId("occurrence-open-series").ClickAsync();
            await Expect(page.GetByTestId("series-title")).ToHaveTextAsync("E2E Bedtime Stories");

            await page.SetViewportSizeAsync(390, 844);
            await Expect(page.GetByTestId("episode-title").Nth(1)).ToHaveTextAsync("The Lighthouse Keeper");
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("series-journey-phone"), FullPage = true });
            // Nothing wider than the phone: no sideways scrolling.
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"The series page scrolls sideways by {overflow}px on a phone.");
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("FAILED-series-journey"), FullPage = true });
            throw;
        }
    }

    // MudBlazor puts a text field's attributes on its input.
    private static ILocator Field(IPage page, string testId) => page.Locator($"input[data-testid={testId}], [data-testid={testId}] input");

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
