using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Api;

/// <summary>
/// A failure nobody planned for (here: the database factory throws once switched on) is a 500 problem-details
/// answer with a trace id on every API method, PUT and DELETE included (they used to be an empty 405), logged
/// once; a page still gets the error page.
/// </summary>
public class UnexpectedErrorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ApiPutAndDelete_UnexpectedException_Are500ProblemDetailsWithTraceId_LoggedOnce()
    {
        var failure = new Failure();
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, services: services => failure.Install(services));
        var client = await Session.RegisterAsync(app, "boom@example.com");
        var created = await client.PostAsJsonAsync("/api/v1/schedules", new { name = "x", jobType = "publish", timezone = "UTC", scheduleType = "once", scheduledAt = "2030-01-01T09:00" }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        // Only API requests fail (the engine's background loops use the same factory).
        failure.OnlyUnder = "/api";
        failure.Message = $"planned-test-failure-{Guid.NewGuid():N}";
        var put = await client.PutAsJsonAsync($"/api/v1/schedules/{id}", new { name = "y" }, Ct);
        var delete = await client.DeleteAsync($"/api/v1/schedules/{id}", Ct);

        foreach (var response in new[] { put, delete })
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal(500, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
            // The answer explains nothing of the inside.
            Assert.DoesNotContain(failure.Message, problem.GetRawText(), StringComparison.Ordinal);
        }
        // Each failure is logged once, not once by the handler and again by the middleware.
        var logged = app.Logs.Dump().Split('\n').Count(line => line.Contains(failure.Message, StringComparison.Ordinal));
        Assert.True(logged == 2, app.Logs.Dump());
    }

    [Fact]
    public async Task Page_UnexpectedException_ShowsTheErrorPage()
    {
        var failure = new Failure();
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite, services: services => failure.Install(services));
        var client = await Session.RegisterAsync(app, "boom-page@example.com");

        // Only the page's request fails: the error page it re-executes on still renders (it signs the user in again).
        failure.OnlyUnder = "/schedules";
        failure.Message = "planned-page-failure";
        var page = await client.GetAsync("/schedules", Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, page.StatusCode);
        Assert.Contains("Something went wrong", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryPage_CarriesTheDeadCircuitBar_WithReload()
    {
        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);

        var html = await app.CreateClient().GetStringAsync("/Account/Login", Ct);

        // Blazor shows #blazor-error-ui when the circuit dies: it must say so and offer a reload.
        var bar = html[html.IndexOf("id=\"blazor-error-ui\"", StringComparison.Ordinal)..];
        Assert.Contains("Something went wrong", bar[..400], StringComparison.Ordinal);
        Assert.Contains("Reload", bar[..400], StringComparison.Ordinal);
    }

    /// <summary>Wraps the app's DbContext factory: once <see cref="Message"/> is set, every context it makes throws.</summary>
    private sealed class Failure
    {
        public string? Message { get; set; }

        /// <summary>When set, only requests under this path fail.</summary>
        public string? OnlyUnder { get; set; }

        public void Install(IServiceCollection services)
        {
            services.AddHttpContextAccessor();
            var original = services.Last(d => d.ServiceType == typeof(IDbContextFactory<AppDbContext>));
            services.Remove(original);
            services.Add(new ServiceDescriptor(typeof(IDbContextFactory<AppDbContext>), provider =>
            {
                var inner = original.ImplementationFactory is { } factory
                    ? (IDbContextFactory<AppDbContext>)factory(provider)
                    : (IDbContextFactory<AppDbContext>)ActivatorUtilities.CreateInstance(provider, original.ImplementationType!);
                return new Throwing(inner, this, provider.GetRequiredService<Microsoft.AspNetCore.Http.IHttpContextAccessor>());
            }, original.Lifetime));
        }

        private sealed class Throwing(IDbContextFactory<AppDbContext> inner, Failure failure, Microsoft.AspNetCore.Http.IHttpContextAccessor http) : IDbContextFactory<AppDbContext>
        {
            public AppDbContext CreateDbContext() =>
                failure.Message is { } message && (failure.OnlyUnder is null || http.HttpContext?.Request.Path.StartsWithSegments(failure.OnlyUnder) == true)
                    ? throw new InvalidOperationException(message)
                    : inner.CreateDbContext();
        }
    }
}
