using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Schedules;

public class ScheduleIsolationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task OtherWorkspacesSchedules_Are404_AndManagersAre403(DatabaseProvider provider)
    {
        await using var app = await AppFactory.StartAsync(provider);
        var owner = await Session.RegisterAsync(app, "maker@example.com");
        var outsider = await Session.RegisterAsync(app, "outsider@example.com");
        var manager = await Session.RegisterAsync(app, "reader@example.com");
        var invite = await (await owner.PostAsJsonAsync("/api/v1/workspace/invitations", new { email = "reader@example.com", role = "manager" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        (await manager.PostAsync($"/api/v1/invitations/{invite.GetProperty("acceptUrl").GetString()!.Split('/').Last()}/accept", null, Ct)).EnsureSuccessStatusCode();
        var created = await owner.PostAsJsonAsync("/api/v1/schedules", ScheduleApiTests.Weekly(), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        foreach (var (method, path) in new[] { ("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/pause"), ("POST", "/resume"), ("POST", "/cancel"), ("POST", "/clone"), ("GET", "/next") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), $"/api/v1/schedules/{id}{path}") { Content = method == "PUT" ? JsonContent.Create(ScheduleApiTests.Weekly()) : null };
            var response = await outsider.SendAsync(request, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode}");
        }
        Assert.Equal(0, (await outsider.GetFromJsonAsync<JsonElement>("/api/v1/schedules", Ct)).GetProperty("total").GetInt32());

        Assert.Equal(1, (await manager.GetFromJsonAsync<JsonElement>("/api/v1/schedules", Ct)).GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync($"/api/v1/schedules/{id}/next", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsJsonAsync("/api/v1/schedules", ScheduleApiTests.Weekly(), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsync($"/api/v1/schedules/{id}/pause", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.DeleteAsync($"/api/v1/schedules/{id}", Ct)).StatusCode);
        Assert.Equal("active", (await owner.GetFromJsonAsync<JsonElement>($"/api/v1/schedules/{id}", Ct)).GetProperty("status").GetString());
    }
}
