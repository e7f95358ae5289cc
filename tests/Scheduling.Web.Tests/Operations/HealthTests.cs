using System.Net;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Operations;

public class HealthTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Healthz_FreshInstance_ReportsDatabaseAndHangfireHealthyAsJson(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var client = app.CreateClient();

        // The Hangfire server's first heartbeat arrives shortly after start-up.
        HttpResponseMessage response = null!;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            response = await client.GetAsync("/healthz", TestContext.Current.CancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                break;
            }
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("hangfire").GetProperty("status").GetString());
    }
}
