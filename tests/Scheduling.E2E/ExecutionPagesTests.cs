using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>The app with a Hangfire server that really delivers webhooks, to loopback receivers (private targets allowed).</summary>
public sealed class ExecutionAppFixture : AppFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["Execution:RunServer"] = "true",
        ["Execution:AllowPrivateNetworkTargets"] = "true",
        ["Execution:WorkerCount"] = "2",
    };
}

/// <summary>
/// Runs delivered for real (Run now through /api/v1) to a receiver started by the test, then the execution pages
/// looked at in the browser: the grid, the details drawer, the History tab, the dashboard and Settings > Webhooks,
/// at 1280 and 390 px.
/// </summary>
public sealed class ExecutionPagesTests(ExecutionAppFixture app, ITestOutputHelper output) : IClassFixture<ExecutionAppFixture>
{
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";
    private const string Good = "E2E Publish hook";
    private const string Bad = "E2E Failing hook";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Journey_RunNowToLoopbackReceiver_ShowsRunsDrawerHistoryDashboardAndWebhookSettings()
    {
        // The good hook holds its first request until the test lets it go, so the second Run now really comes while
        // the first is going (a receiver that answers at once could finish it before the second is decided).
        var holdFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await StartReceiverAsync(holdFirst.Task);
        var receiverUrl = receiver.Urls.First(u => u.StartsWith("http://", StringComparison.Ordinal));
        using var http = app.CreateSeededApiClient();
        var goodId = await CreateScheduleAsync(http, Good, $"{receiverUrl}/hook");
        var badId = await CreateScheduleAsync(http, Bad, $"{receiverUrl}/fail");
        // Twice the good one at once: the overlap policy (skip) records the second as skipped.
        foreach (var id in new[] { goodId, goodId, badId })
        {
            using var run = await http.PostAsJsonAsync($"api/v1/schedules/{id}/run", new { countTowardMaxRuns = false }, Ct);
            Assert.True(run.IsSuccessStatusCode, $"run answered {(int)run.StatusCode}: {await run.Content.ReadAsStringAsync(Ct)}");
        }
        await WaitForRunsAsync(http, items => items.Count(i => i.GetProperty("status").GetString() == "skipped") == 1, "the second run of the good schedule to be skipped");
        holdFirst.SetResult();
        await WaitForRunsAsync(http, items => items.Count >= 3 && items.All(i => i.GetProperty("status").GetString() is "completed" or "failed" or "skipped"), "the three runs to finish");

        await using var context = await app.NewContextAsync();
        var page = await NewPageAsync(context);
        await RunCapturingFailureAsync(page, nameof(Journey_RunNowToLoopbackReceiver_ShowsRunsDrawerHistoryDashboardAndWebhookSettings), async () =>
        {
            await SignInAsync(page);
            await Expect(page.GetByTestId("failure-row")).ToHaveCountAsync(1);
            await Expect(page.GetByTestId("failure-row")).ToContainTextAsync(Bad);
            await ShotAsync(page, "e01-dashboard-1280");
            await PhoneShotAsync(context, "", "e02-dashboard-phone-390", p => Expect(p.GetByTestId("failure-row")).ToHaveCountAsync(1));

            await page.GotoAsync("executions");
            await WaitForCircuitAsync(page);
            var chips = page.GetByTestId("executions-grid").GetByTestId("execution-status");
            await Expect(chips).ToHaveCountAsync(3);
            // The second Run now of the good schedule came while the first was going: skipped (overlap policy).
            await Expect(page.GetByTestId("executions-grid").Locator("[data-status=completed]")).ToHaveCountAsync(1);
            await Expect(page.GetByTestId("executions-grid").Locator("[data-status=skipped]")).ToHaveCountAsync(1);
            await Expect(page.GetByTestId("executions-grid").Locator("[data-status=failed]")).ToHaveCountAsync(1);
            await ShotAsync(page, "e03-executions-1280");

            // The drawer of the failed run: the attempt with its request and the receiver's answer.
            await page.GetByTestId("executions-grid").Locator("tbody tr").Filter(new() { Has = page.Locator("[data-status=failed]") })
                .GetByTestId("execution-duration").ClickAsync();
            await Expect(page.GetByTestId("attempt")).ToHaveCountAsync(1);
            await Expect(page.GetByTestId("attempt-response-status")).ToHaveTextAsync("HTTP 500");
            await page.GetByTestId("attempt-request").Locator("summary").ClickAsync();
            await page.GetByTestId("attempt-response").Locator("summary").ClickAsync();
            await Expect(page.GetByTestId("attempt-response")).ToContainTextAsync("receiver says no");
            await ShotAsync(page, "e04-execution-drawer-1280");
            await PhoneShotAsync(context, "executions", "e05-executions-phone-390", p => Expect(p.GetByTestId("executions-grid").GetByTestId("execution-status")).ToHaveCountAsync(3));
            var phone = await context.NewPageAsync();
            await phone.SetViewportSizeAsync(390, 844);
            await phone.GotoAsync("executions");
            await WaitForCircuitAsync(phone);
            await phone.GetByTestId("executions-grid").Locator("[data-status=failed]").ClickAsync();
            await Expect(phone.GetByTestId("attempt")).ToHaveCountAsync(1);
            await ShotAsync(phone, "e06-execution-drawer-phone-390");
            await phone.CloseAsync();

            // History tab of the good schedule: 100 % (the skipped run does not count), charts, two manual runs.
            await page.GotoAsync($"schedules/{goodId}");
            await WaitForCircuitAsync(page);
            await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
            await Expect(page.GetByTestId("stat-success-rate-value")).ToHaveTextAsync("100 %");
            await Expect(page.GetByTestId("history-grid").GetByTestId("execution-status")).ToHaveCountAsync(2);
            await ShotAsync(page, "e07-schedule-history-1280");
            var historyPhone = await context.NewPageAsync();
            await historyPhone.SetViewportSizeAsync(390, 844);
            await historyPhone.GotoAsync($"schedules/{goodId}");
            await WaitForCircuitAsync(historyPhone);
            await historyPhone.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
            await Expect(historyPhone.GetByTestId("stat-success-rate-value")).ToHaveTextAsync("100 %");
            await ShotAsync(historyPhone, "e08-schedule-history-phone-390");
            await historyPhone.CloseAsync();

            // Settings > Webhooks: the secret was generated by the first delivery; rotate shows the new one once.
            await page.GotoAsync("settings/webhooks");
            await WaitForCircuitAsync(page);
            await Expect(page.GetByTestId("secret-status")).ToHaveTextAsync("set");
            await page.GetByTestId("rotate-secret").ClickAsync();
            await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Rotate" }).ClickAsync();
            await Expect(page.GetByTestId("secret-value")).ToContainTextAsync("whsec_");
            // Send test: a signed ping to the URL typed in a row (not saved), and the receiver's answer under it.
            await page.Locator("[data-testid=endpoint-url-Export] input, input[data-testid=endpoint-url-Export]").FillAsync($"{receiverUrl}/hook");
            await page.GetByTestId("endpoint-test-Export").ClickAsync();
            await Expect(page.GetByTestId("endpoint-test-result-Export")).ToContainTextAsync("HTTP 200");
            await Expect(page.GetByTestId("endpoint-test-result-Export").GetByTestId("test-body")).ToContainTextAsync("\"received\":true");
            await ShotAsync(page, "e09-settings-webhooks-1280");
            await PhoneShotAsync(context, "settings/webhooks", "e10-settings-webhooks-phone-390", p => Expect(p.GetByTestId("secret-status")).ToHaveTextAsync("set"));

            // Backfill (last, so the counts above hold): an hourly schedule started three and a half hours ago has
            // four past occurrences (the start is one); the dialog previews them, then they run, one after the other.
            var start = DateTime.UtcNow.AddMinutes(-210);
            using var created = await http.PostAsJsonAsync("api/v1/schedules", new
            {
                name = "E2E Hourly digest",
                jobType = "publish",
                scheduleType = "recurring",
                timezone = "UTC",
                recurrence = new { rrule = "FREQ=HOURLY", start = start.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) },
                webhookUrl = $"{receiverUrl}/hook",
            }, Ct);
            var text = await created.Content.ReadAsStringAsync(Ct);
            Assert.True(created.IsSuccessStatusCode, text);
            var hourlyId = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
            // The first occurrence is recorded as skipped, as the missed-run policy "skip" records a run missed while the
            // app was down (nothing but downtime makes one): the backfill runs it again with the three others.
            await RecordSkippedAsync(hourlyId, start);
            await page.GotoAsync($"schedules/{hourlyId}");
            await WaitForCircuitAsync(page);
            await page.GetByTestId("backfill").ClickAsync();
            await Expect(page.GetByTestId("backfill-summary")).ToHaveTextAsync("3 runs will be created, 1 skipped will run again, 0 already recorded");
            await Expect(page.GetByTestId("backfill-occurrence")).ToHaveCountAsync(4);
            await Expect(page.GetByTestId("confirm-backfill")).ToHaveTextAsync(new Regex("Backfill 4 runs", RegexOptions.IgnoreCase));
            await ShotAsync(page, "e11-backfill-dialog-1280");
            await page.GetByTestId("confirm-backfill").ClickAsync();
            await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
            await Expect(page.GetByTestId("history-grid").Locator("[data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 30_000 });
            await ShotAsync(page, "e12-backfill-history-1280");
        });
    }

    private async Task RecordSkippedAsync(Guid scheduleId, DateTime occurrence)
    {
        var at = new DateTime(occurrence.Ticks - occurrence.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        await using var scope = app.AppServices.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        var schedule = await db.Schedules.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.Id == scheduleId, Ct);
        db.Executions.Add(new Execution
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = schedule.WorkspaceId,
            ScheduleId = scheduleId,
            OccurrenceKey = Execution.PlannedKey(at),
            ScheduledFor = at,
            Status = ExecutionStatus.Skipped,
            Reason = "Missed while the app was down (missed-run policy: skip).",
            Priority = schedule.Priority,
            JobType = schedule.JobType,
            CreatedAt = at,
            CompletedAt = at,
        });
        await db.SaveChangesAsync(Ct);
    }

    private static async Task<WebApplication> StartReceiverAsync(Task released)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var receiver = builder.Build();
        receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            await released.WaitAsync(TimeSpan.FromSeconds(30));
            return Results.Json(new { received = true, bytes = body.Length, signature = request.Headers["X-Signature-256"].ToString().Length > 0 });
        });
        receiver.MapPost("/fail", () => Results.Json(new { error = "receiver says no" }, statusCode: 500));
        await receiver.StartAsync();
        return receiver;
    }

    private static async Task<Guid> CreateScheduleAsync(HttpClient http, string name, string webhookUrl)
    {
        using var response = await http.PostAsJsonAsync("api/v1/schedules", new
        {
            name,
            jobType = "publish",
            scheduleType = "once",
            scheduledAt = "2031-01-03T09:00:00",
            timezone = "Europe/Paris",
            webhookUrl,
            retry = new { maxAttempts = 1, strategy = "none" },
            jobConfig = new { channel = "web" },
        }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"POST /api/v1/schedules answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    private async Task WaitForRunsAsync(HttpClient http, Func<List<JsonElement>, bool> done, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        string last = "";
        while (DateTime.UtcNow < until)
        {
            last = await http.GetStringAsync("api/v1/executions?pageSize=50", Ct);
            var items = JsonDocument.Parse(last).RootElement.GetProperty("items").EnumerateArray().ToList();
            if (done(items))
            {
                return;
            }
            await Task.Delay(250, Ct);
        }
        output.WriteLine(last);
        Assert.Fail($"Gave up after 30 s waiting for {what}.");
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
