using System.Net;
using System.Net.Http.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Security;

/// <summary>The anonymous preview is limited per address; signed-in callers and tokens have their own, larger budget.</summary>
public class PreviewRateLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly object Body = new { rrule = "FREQ=DAILY", dtstart = "2026-03-01T09:00:00", timezone = "UTC", count = 2 };

    private static Task<HttpResponseMessage> PreviewAsync(HttpClient client) => client.PostAsJsonAsync("/api/v1/recurrence/preview", Body, Ct);

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = Assert.Single(response.Headers.GetValues("Retry-After"));
        Assert.True(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("0", Assert.Single(response.Headers.GetValues("RateLimit-Remaining")));
        Assert.Equal(retryAfter, Assert.Single(response.Headers.GetValues("RateLimit-Reset")));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Anonymous_PerAddress_ThenTokenAndCookieCallers_HaveTheirOwnLargerBudgets()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["RateLimits:PreviewAnonymous:PermitLimit"] = "2",
            ["RateLimits:PreviewAuthenticated:PermitLimit"] = "4",
            ["RateLimits:PreviewAuthenticated:WindowSeconds"] = "600",
        });
        var browser = await Session.RegisterAsync(app, "previewer@example.com");
        var bearer = app.CreateBearerClient(await Session.CreateTokenAsync(browser));
        var anonymous = app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await PreviewAsync(anonymous)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PreviewAsync(anonymous)).StatusCode);
        await AssertRefusedAsync(await PreviewAsync(anonymous));

        // Same address, but a signed-in user: their own budget of 4, shared by their cookie and their token.
        Assert.Equal(HttpStatusCode.OK, (await PreviewAsync(bearer)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PreviewAsync(bearer)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PreviewAsync(browser)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PreviewAsync(bearer)).StatusCode);
        await AssertRefusedAsync(await PreviewAsync(bearer));
        await AssertRefusedAsync(await PreviewAsync(browser));

        // A made-up token is not a budget of its own.
        var forged = app.CreateBearerClient("sch_made-up-value-to-dodge-the-limit");
        await AssertRefusedAsync(await PreviewAsync(forged));
    }
}
