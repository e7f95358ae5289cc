using System.Net;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Operations;

public class HangfireDashboardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dashboard_OnlyInstanceAdministrators_AnonymousAndMembersRefused()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var admin = await Session.RegisterAsync(app, "first@example.com");
        var member = await Session.RegisterAsync(app, "second@example.com");
        var anonymous = app.CreateBrowserLikeClient();

        var adminResponse = await admin.GetAsync("/hangfire", Ct);
        var memberResponse = await member.GetAsync("/hangfire", Ct);
        var anonymousResponse = await anonymous.GetAsync("/hangfire", Ct);
        var anonymousApi = await anonymous.GetAsync("/hangfire/stats", Ct);

        Assert.Equal(HttpStatusCode.OK, adminResponse.StatusCode);
        Assert.Contains("Scheduling.Web execution", await adminResponse.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, memberResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousApi.StatusCode);
    }
}
