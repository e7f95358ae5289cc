using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>
/// The grid's bulk actions and the import dialog in the real app: schedules created in one bulk request with the seeded
/// token, selected and paused together in the browser; then a CSV with one bad row is refused and the fixed one imported.
/// </summary>
public sealed class BulkJourneyTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Journey_SelectSchedulesAndBulkPause_ThenImportACsvWithABadRow_FixItAndImport()
    {
        using (var http = app.CreateSeededApiClient())
        {
            using var created = await http.PostAsJsonAsync("api/v1/schedules/bulk", new
            {
                schedules = new[] { "2030-01-07", "2030-01-08", "2030-01-09" }.Select(day => new { jobType = "publish", scheduledAt = $"{day}T09:00:00", timezone = "Europe/Paris" }),
                namingPattern = "E2E Tip #{n} {date}",
            }, Ct);
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync(Ct));
        }
        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => output.WriteLine($"[page error] {error}");
        try
        {
            await SignInAsync(page);
            await page.GotoAsync("schedules");
            await WaitForCircuitAsync(page);
            await Expect(page.GetByTestId("schedule-row")).ToHaveCountAsync(3);

            // Select two rows and pause them in one request: one summary, both paused, the third untouched.
            await Row(page, "E2E Tip #1 2030-01-07").Locator("input[type=checkbox]").CheckAsync();
            await Row(page, "E2E Tip #2 2030-01-08").Locator("input[type=checkbox]").CheckAsync();
            await Expect(page.GetByTestId("selected-count")).ToContainTextAsync("2 selected");
            await page.GetByTestId("bulk-pause").ClickAsync();
            await page.GetByTestId("confirm-pause").ClickAsync();
            await Expect(page.GetByTestId("bulk-result")).ToHaveTextAsync("2 paused");
            await Expect(Row(page, "E2E Tip #1 2030-01-07").GetByTestId("schedule-status")).ToHaveTextAsync("paused");
            await Expect(Row(page, "E2E Tip #2 2030-01-08").GetByTestId("schedule-status")).ToHaveTextAsync("paused");
            await Expect(Row(page, "E2E Tip #3 2030-01-09").GetByTestId("schedule-status")).ToHaveTextAsync("active");

            // Import: the bad row's time zone cell is marked and nothing can be imported yet.
            var folder = Directory.CreateTempSubdirectory("e2e-import-").FullName;
            var bad = Path.Combine(folder, "schedules.csv");
            await File.WriteAllTextAsync(bad, "name,jobType,timezone,scheduledAt\nE2E Imported A,publish,Europe/Paris,2030-02-01T09:00\nE2E Imported B,publish,Mars/Olympus,2030-02-02T09:00\n", Ct);
            await page.GetByTestId("import-schedules").ClickAsync();
            await page.Locator("input[type=file]").SetInputFilesAsync(bad);
            await Expect(page.GetByTestId("import-summary")).ToContainTextAsync("2 row(s): 1 ready, 1 with errors");
            await Expect(page.GetByTestId("import-cell-timezone").Nth(1)).ToHaveAttributeAsync("data-error", "true");
            await Expect(page.GetByTestId("confirm-import")).ToBeDisabledAsync();

            // Fixed file: both rows ready, imported, listed.
            var good = Path.Combine(folder, "fixed.csv");
            await File.WriteAllTextAsync(good, (await File.ReadAllTextAsync(bad, Ct)).Replace("Mars/Olympus", "Europe/Berlin", StringComparison.Ordinal), Ct);
            // MudFileUpload adds a fresh input once a file was chosen (so the same file can be chosen again): the last one is live.
            await page.Locator("input[type=file]").Last.SetInputFilesAsync(good);
            await Expect(page.GetByTestId("import-summary")).ToContainTextAsync("2 row(s): 2 ready, 0 with errors");
            await page.GetByTestId("confirm-import").ClickAsync();
            await Expect(page.GetByTestId("bulk-result")).ToHaveTextAsync("2 imported");
            await Expect(page.GetByTestId("schedule-row")).ToHaveCountAsync(5);
            await Expect(Row(page, "E2E Imported B").GetByTestId("schedule-status")).ToHaveTextAsync("active");
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("FAILED-bulk-journey"), FullPage = true });
            throw;
        }
    }

    private static ILocator Row(IPage page, string name) =>
        page.GetByTestId("schedules-grid").Locator("tbody tr").Filter(new() { Has = page.GetByTestId("schedule-row").GetByText(name, new() { Exact = true }) });

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
