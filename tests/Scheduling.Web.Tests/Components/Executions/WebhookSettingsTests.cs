using Bunit;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Components.Executions;

/// <summary>Settings > Webhooks against the real WebhookSettingsService on SQLite.</summary>
public sealed class WebhookSettingsTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rotate_WithoutSecret_ShowsSecretOnceAndServiceThenHasSecret()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var cut = app.Render<WebhookSettings>();
        Assert.Equal("none yet", cut.WaitForElement("[data-testid=secret-status]").TextContent.Trim());

        cut.Find("button[data-testid=rotate-secret]").Click();

        var value = cut.WaitForElement("[data-testid=secret-value]").TextContent.Trim();
        Assert.StartsWith("whsec_", value, StringComparison.Ordinal);
        Assert.Equal("set", cut.Find("[data-testid=secret-status]").TextContent.Trim());
        // Created at the fixed clock, shown in the viewer's zone (Paris: 10:30).
        Assert.Contains("Tue 10 Mar 2026, 10:30 (Europe/Paris)", cut.Find("[data-testid=secret-created]").TextContent, StringComparison.Ordinal);
        var settings = await app.Webhooks.GetAsync(Ct);
        Assert.True(settings.HasSecret);

        // Shown once: a fresh render (another visit) has no value on screen.
        var again = app.Context.Render<WebhookSettings>();
        again.WaitForElement("[data-testid=secret-status]");
        Assert.Empty(again.FindAll("[data-testid=secret-value]"));
        Assert.Equal("Rotate secret", again.Find("button[data-testid=rotate-secret]").TextContent.Trim());
    }

    [Fact]
    public async Task SaveEndpoint_InvalidUrl_ShowsValidationMessageAndStoresNothing()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var cut = app.Render<WebhookSettings>();

        cut.WaitForElement("input[data-testid=endpoint-url-Publish], [data-testid=endpoint-url-Publish] input").Input("ftp://not-http.example.com");
        cut.Find("button[data-testid=endpoint-save-Publish]").Click();

        cut.WaitForAssertion(() => Assert.Contains("The endpoint must be an absolute http(s) URL.", cut.Markup, StringComparison.Ordinal));
        Assert.Empty((await app.Webhooks.GetAsync(Ct)).Endpoints);
    }

    [Fact]
    public async Task SaveEndpoint_ValidUrl_StoresItAndOffersClear()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var cut = app.Render<WebhookSettings>();

        cut.WaitForElement("input[data-testid=endpoint-url-Newsletter], [data-testid=endpoint-url-Newsletter] input").Input("https://hooks.example.com/newsletter");
        cut.Find("button[data-testid=endpoint-save-Newsletter]").Click();

        cut.WaitForElement("button[data-testid=endpoint-clear-Newsletter]");
        var endpoint = Assert.Single((await app.Webhooks.GetAsync(Ct)).Endpoints);
        Assert.Equal(JobType.Newsletter, endpoint.JobType);
        Assert.Equal("https://hooks.example.com/newsletter", endpoint.Url);

        cut.Find("button[data-testid=endpoint-clear-Newsletter]").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("button[data-testid=endpoint-clear-Newsletter]")));
        Assert.Empty((await app.Webhooks.GetAsync(Ct)).Endpoints);
    }

    [Fact]
    public async Task Render_AsReadOnlyManager_HasNoRotateOrSaveButtons()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        await app.ActAsManagerAsync();

        var cut = app.Render<WebhookSettings>();

        cut.WaitForElement("[data-testid=webhooks-read-only]");
        Assert.Empty(cut.FindAll("[data-testid=rotate-secret]"));
        Assert.Empty(cut.FindAll("[data-testid^=endpoint-save-]"));
        Assert.Equal(Enum.GetValues<JobType>().Length, cut.FindAll("[data-testid=endpoint-row]").Count);
        Assert.Contains("Idempotency-Key", cut.Find("[data-testid=webhook-help]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveEndpoint_LoopbackUrl_ShowsTheRefusalInlineAndStoresNothing()
    {
        await using var app = await ExecutionHarness.CreateAsync();
        var cut = app.Render<WebhookSettings>();

        cut.WaitForElement("input[data-testid=endpoint-url-Export], [data-testid=endpoint-url-Export] input").Input("http://169.254.169.254/latest/meta-data");
        cut.Find("button[data-testid=endpoint-save-Export]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Webhooks are not delivered there", cut.Find("[data-testid=endpoint-row][data-job-type=Export]").TextContent, StringComparison.Ordinal));
        Assert.Empty((await app.Webhooks.GetAsync(Ct)).Endpoints);
        // What the user typed stays in the box.
        Assert.Equal("http://169.254.169.254/latest/meta-data", cut.Find("[data-testid=endpoint-url-Export] input, input[data-testid=endpoint-url-Export]").GetAttribute("value"));
    }

    [Fact]
    public async Task SendTest_ToLoopbackReceiver_ShowsStatusDurationAndBody()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await ExecutionHarness.CreateAsync(allowPrivateTargets: true);
        var cut = app.Render<WebhookSettings>();

        cut.WaitForElement("input[data-testid=endpoint-url-Publish], [data-testid=endpoint-url-Publish] input").Input(receiver.Url("hello"));
        cut.Find("button[data-testid=endpoint-test-Publish]").Click();

        var result = cut.WaitForElement("[data-testid=endpoint-test-result-Publish]", TimeSpan.FromSeconds(15));
        Assert.Contains("HTTP 200", result.QuerySelector("[data-testid=test-summary]")!.TextContent, StringComparison.Ordinal);
        Assert.Matches(@"\d+ ms|\d+(\.\d)? s", result.QuerySelector("[data-testid=test-summary]")!.TextContent);
        Assert.Contains("\"path\":\"/hello\"", result.QuerySelector("[data-testid=test-body]")!.TextContent, StringComparison.Ordinal);
        var ping = Assert.Single(receiver.On("hello"));
        Assert.Equal("ping", ping.Event);
        Assert.Equal("publish", ping.Json.GetProperty("jobType").GetString());
        // Testing does not save.
        Assert.Empty((await app.Webhooks.GetAsync(Ct)).Endpoints);
    }

    [Fact]
    public async Task SendTest_ReceiverFails_ShowsStatusAndError()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond("down", [503]);
        await using var app = await ExecutionHarness.CreateAsync(allowPrivateTargets: true);
        var cut = app.Render<WebhookSettings>();

        cut.WaitForElement("input[data-testid=endpoint-url-Export], [data-testid=endpoint-url-Export] input").Input(receiver.Url("down"));
        cut.Find("button[data-testid=endpoint-test-Export]").Click();

        var result = cut.WaitForElement("[data-testid=endpoint-test-result-Export]", TimeSpan.FromSeconds(15));
        Assert.Contains("HTTP 503", result.QuerySelector("[data-testid=test-summary]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("HTTP 503 Service Unavailable", result.QuerySelector("[data-testid=test-error]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("mud-alert-text-error", result.OuterHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendTest_RefusedTarget_ShowsTheRefusalInlineAndSendsNothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await ExecutionHarness.CreateAsync();
        var cut = app.Render<WebhookSettings>();

        cut.WaitForElement("input[data-testid=endpoint-url-Export], [data-testid=endpoint-url-Export] input").Input(receiver.Url("never"));
        cut.Find("button[data-testid=endpoint-test-Export]").Click();

        cut.WaitForAssertion(() => Assert.Contains("AllowPrivateNetworkTargets is off", cut.Find("[data-testid=endpoint-row][data-job-type=Export]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=endpoint-test-result-Export]"));
        Assert.Empty(receiver.Received);
    }
}
