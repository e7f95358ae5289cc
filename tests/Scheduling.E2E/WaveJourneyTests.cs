using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>A wave in a real browser: compose a staggered wave of one content item on two channels, see its page, then the wave across the timeline's channel lanes.</summary>
public sealed class WaveJourneyTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";

    private static async Task<Guid> CreateAsync(HttpClient http, string url, object body)
    {
        using var response = await http.PostAsJsonAsync(url, body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Journey_ComposeAStaggeredWave_SeeItsPage_AndTheWaveOnTheTimeline()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (first, second, title) = ($"Shorts {suffix}", $"Blog {suffix}", $"Spring launch {suffix}");
        Guid contentId;
        using (var http = app.CreateSeededApiClient())
        {
            await CreateAsync(http, "api/v1/channels", new { name = first, platform = "tiktok", timezone = "UTC", color = "#D81B60" });
            await CreateAsync(http, "api/v1/channels", new { name = second, platform = "blog", timezone = "Europe/Paris", color = "#1E88E5" });
            contentId = await CreateAsync(http, "api/v1/content", new { title, jobType = "publish" });
        }

        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => output.WriteLine($"[page error] {error}");
        await page.GotoAsync("Account/Login");
        await page.Locator("[id='Input.Email']").FillAsync(AppFixture.SeedAdminEmail);
        await page.Locator("[id='Input.Password']").FillAsync(AppFixture.SeedAdminPassword);
        await page.Locator(SubmitButton).ClickAsync();
        await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        // The composer, opened from the content item: the shorts channel first, then the blog, an hour apart (the default).
        await page.GotoAsync($"waves/new?content={contentId}");
        await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.Locator("[data-testid=wave-content] input, input[data-testid=wave-content]")).ToHaveValueAsync(title);
        await page.GetByTestId("wave-channel").Filter(new() { HasText = first }).Locator("input").CheckAsync();
        await Expect(page.GetByTestId("wave-preview-item")).ToHaveCountAsync(1);
        await page.GetByTestId("wave-channel").Filter(new() { HasText = second }).Locator("input").CheckAsync();
        await Expect(page.GetByTestId("wave-preview-item")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("wave-preview-item").Nth(0)).ToHaveAttributeAsync("data-channel", first);
        await Expect(page.GetByTestId("wave-preview-item").Nth(1)).ToContainTextAsync("(Europe/Paris)");
        await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("50-wave-composer"), FullPage = true });
        await page.GetByTestId("save-wave").ClickAsync();

        // The wave's page: one post per channel, staggered.
        await Expect(page).ToHaveURLAsync(new Regex("/waves/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("wave-item")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("wave-item").Nth(0)).ToContainTextAsync(first);
        await Expect(page.GetByTestId("wave-mode-chip")).ToHaveTextAsync("Staggered");
        await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("51-wave-page"), FullPage = true });
        var wavePath = new Uri(page.Url).AbsolutePath;

        // On the timeline by channel: the wave's bar over both lanes, each post in its channel's lane; the bar leads back.
        await page.GetByTestId("wave-on-calendar").ClickAsync();
        await Expect(page.GetByTestId("calendar-timeline")).ToBeVisibleAsync();
        var bar = page.GetByTestId("calendar-wave-bar").Filter(new() { HasText = title });
        await Expect(bar).ToBeVisibleAsync();
        foreach (var channel in new[] { first, second })
        {
            var lane = page.GetByTestId("calendar-lane").Filter(new() { Has = page.GetByTestId("calendar-lane-label").Filter(new() { HasText = channel }) });
            await Expect(lane.GetByTestId("calendar-item")).ToHaveCountAsync(1);
        }
        await bar.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("52-wave-on-the-timeline"), FullPage = true });
        await bar.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(wavePath) + "$"));
    }
}
