using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>A channel in a real browser: its weekly slot grid, add to queue, the post in the queue and on the channels page.</summary>
public sealed class ChannelJourneyTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";

    [Fact]
    public async Task Journey_CreateChannelWithSlotGrid_AddToQueue_SeeItInTheQueue()
    {
        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => output.WriteLine($"[page error] {error}");
        var name = "Clips " + Guid.NewGuid().ToString("N")[..6];

        await page.GotoAsync("Account/Login");
        await page.Locator("[id='Input.Email']").FillAsync(AppFixture.SeedAdminEmail);
        await page.Locator("[id='Input.Password']").FillAsync(AppFixture.SeedAdminPassword);
        await page.Locator(SubmitButton).ClickAsync();
        await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await page.GotoAsync("channels/new");
        await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await FillAsync(page, "channel-name", name);
        await FillAsync(page, "slot-time", "10:00");
        await page.GetByTestId("slot-add-time").ClickAsync();
        foreach (var day in new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" })
        {
            await page.GetByTestId($"slot-{day}-1000").ClickAsync();
            await Expect(page.GetByTestId($"slot-{day}-1000")).ToHaveAttributeAsync("aria-pressed", "true");
        }
        await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("40-channel-editor"), FullPage = true });
        await page.GetByTestId("save-channel").ClickAsync();

        // Saved: the channel's page with its queue of empty slots.
        await Expect(page).ToHaveURLAsync(new Regex("/channels/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("queue-slot").First).ToBeVisibleAsync();
        await FillAsync(page, "queue-name", "Launch clip");
        await page.GetByTestId("add-to-queue").ClickAsync();
        await Expect(page.GetByTestId("queue-post").First).ToContainTextAsync("Launch clip");
        await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("41-channel-queue"), FullPage = true });

        await page.GotoAsync("channels");
        var card = page.GetByTestId("channel-card").Filter(new() { HasText = name });
        await Expect(card).ToContainTextAsync("Launch clip");
    }

    private static async Task FillAsync(IPage page, string testId, string value)
    {
        var input = page.Locator($"input[data-testid='{testId}'], [data-testid='{testId}'] input");
        await input.FillAsync(value);
        await input.BlurAsync();
    }
}
