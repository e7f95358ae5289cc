using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>The API reference (Scalar at /api/docs) works offline: everything it loads comes from the app itself.</summary>
public sealed class ApiReferenceTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task ApiReference_RendersTheContract_WithoutAnyRequestLeavingTheApp()
    {
        await using var context = await app.NewContextAsync();
        var requests = new List<string>();
        var blocked = new List<string>();
        context.Request += (_, request) =>
        {
            lock (requests)
            {
                requests.Add(request.Url);
            }
        };
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (blocked)
                {
                    blocked.Add(message.Text);
                }
            }
        };

        await page.GotoAsync("api/docs");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        // The page rendered the contract (an operation's summary), not a loading shell, and its code samples
        // ("try it" too) send the personal access token of the Bearer scheme.
        await Expect(page.GetByText("Get the caller").First).ToBeAttachedAsync();
        await Expect(page.GetByText("Authorization: Bearer").First).ToBeAttachedAsync();

        List<string> seen;
        lock (requests)
        {
            seen = [.. requests];
        }
        foreach (var url in seen)
        {
            output.WriteLine(url);
        }
        Assert.Contains(seen, url => url.EndsWith("/openapi/v1.json", StringComparison.Ordinal));
        var foreign = seen.Where(url => Uri.TryCreate(url, UriKind.Absolute, out var uri)
            && uri.Scheme is "http" or "https" && uri.Host is not ("localhost" or "127.0.0.1")).ToList();
        Assert.True(foreign.Count == 0, "The reference loaded from outside the app: " + string.Join(", ", foreign));
        Assert.True(blocked.Count == 0, "The Content-Security-Policy blocked: " + string.Join(" | ", blocked));
    }
}
