using System.Text.Json;
using System.Text.Json.Serialization;
using Hangfire;
using MudBlazor.Services;
using Scalar.AspNetCore;
using Scheduling.Web.Api;
using Scheduling.Web.Components;
using Scheduling.Web.Components.Shared;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Accounts;
using Scheduling.Web.Features.Alerts;
using Scheduling.Web.Features.Approval;
using Scheduling.Web.Features.Calendar;
using Scheduling.Web.Features.Events;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Series;
using Scheduling.Web.Features.Tokens;
using Scheduling.Web.Features.Workspaces;
using Scheduling.Web.Operations;
using Scheduling.Web.Security;

var builder = WebApplication.CreateBuilder(args);

// `dotnet run` with no URL settings listens where the README says; any --urls / ASPNETCORE_URLS wins.
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"])
    && string.IsNullOrEmpty(builder.Configuration["https_ports"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
{
    builder.WebHost.UseUrls("http://localhost:5000");
}
builder.WebHost.UseStaticWebAssets();

builder.Services.AddSingleton(TimeProvider.System);
var database = builder.Services.AddPersistence(builder.Configuration, builder.Environment);
builder.Services.AddExecutionEngine(builder.Configuration, database);
builder.Services.AddEngineMetrics();
builder.Services.AddOperationalHealthChecks();
builder.Services.AddAppSecurity(builder.Configuration);
builder.Services.AddFeatures(builder.Configuration, builder.Environment, Program.Features);

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices(mud =>
{
    // Bottom-right keeps messages off the app bar and its menus; they do not outlive the page.
    mud.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight;
    mud.SnackbarConfiguration.ClearAfterNavigation = true;
    mud.SnackbarConfiguration.VisibleStateDuration = 4000;
});
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ApiExceptionHandler>();
// Binding failures (unreadable JSON, wrong types) throw, so ApiExceptionHandler can name the field.
builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
builder.Services.AddApiContract();
builder.Services.ConfigureHttpJsonOptions(json =>
{
    json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
    json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
});

var app = builder.Build();

if (args.Contains("migrate", StringComparer.OrdinalIgnoreCase))
{
    await using var scope = app.Services.CreateAsyncScope();
    await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync();
    app.Logger.LogInformation("Migrations applied on {Provider}.", database.Provider);
    return;
}

await using (var scope = app.Services.CreateAsyncScope())
{
    if (database.ShouldMigrateOnStartup)
    {
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync();
    }
    await scope.ServiceProvider.GetRequiredService<AccountSeeder>().SeedAsync();
}

app.UseSecurityHeaders();
app.UseExceptionHandler(new ExceptionHandlerOptions
{
    ExceptionHandlingPath = "/Error",
    CreateScopeForErrors = true,
    // Pages re-execute here; API requests never do (ApiExceptionHandler answers them, a 500 included).
    // Problems a caller caused are answered, not logged as server errors.
    SuppressDiagnosticsCallback = context => context.Exception is AppException or BadHttpRequestException or Microsoft.AspNetCore.Antiforgery.AntiforgeryValidationException,
});
if (!app.Environment.IsDevelopment())
{
    app.UseHsts();
}
app.UseStatusCodePages(async context =>
{
    // Empty API errors (401, 404 of unknown routes, 405) get a problem-details body; pages get the not-found page.
    var http = context.HttpContext;
    if (http.Request.Path.StartsWithSegments("/api"))
    {
        var problems = http.RequestServices.GetRequiredService<Microsoft.AspNetCore.Http.IProblemDetailsService>();
        await problems.TryWriteAsync(new() { HttpContext = http, ProblemDetails = { Status = http.Response.StatusCode } });
    }
    else if (http.Response.StatusCode == StatusCodes.Status404NotFound)
    {
        http.Response.Redirect($"{http.Request.PathBase}/not-found");
    }
});

app.UseAuthentication();
app.UseBearerIdentity();
app.UseMiddleware<ApiRequestGuard>();
app.UseAuthorization();
app.UseRateLimiter();
app.UseDashboardRequestGuard("/hangfire");
app.UseAntiforgery();
app.UseIdempotencyKeys();
// Hangfire's dashboard and Scalar's reference write their own HTML: a language, contrast and names are added (decision 0010).
app.UseForeignPageAccessibility("/hangfire", ForeignPageFixes.HangfireDashboard);
app.UseForeignPageAccessibility("/api/docs", ForeignPageFixes.ApiReference);

app.MapStaticAssets();
app.MapHealthEndpoint();
app.MapMetrics();
app.MapOpenApi("/openapi/{documentName}.json");
// System fonts, no telemetry or hosted agent: the reference loads nothing from third parties (its Content-Security-Policy
// allows only this app); "try it" sends the personal access token of the document's Bearer scheme.
app.MapScalarApiReference("/api/docs", options => options.WithTitle("Scheduling.Web API").WithOpenApiRoutePattern("/openapi/{documentName}.json")
    .DisableDefaultFonts().DisableTelemetry().DisableAgent().DisableMcp().AddPreferredSecuritySchemes(OpenApiContract.BearerScheme)
    .WithCustomCss(ApiReferenceTheme.Css));
app.MapApi(Program.Features);
app.MapHangfireDashboard("/hangfire", new DashboardOptions
{
    Authorization = [],
    AsyncAuthorization = [new AdministratorDashboardFilter()],
    DashboardTitle = "Scheduling.Web execution",
    AppPath = "/",
});
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapAdditionalIdentityEndpoints();

await app.RunAsync();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program
{
    /// <summary>The features of the app, each with its services and endpoints (Api/FeatureModule.cs).</summary>
    public static IReadOnlyList<IFeatureModule> Features { get; } =
    [
        new AccountsModule(),
        new WorkspacesModule(),
        new TokensModule(),
        new SchedulesModule(),
        new ExecutionsModule(),
        new AlertsModule(),
        new CalendarModule(),
        new Scheduling.Web.Features.Channels.ChannelsModule(),
        new Scheduling.Web.Features.Content.ContentModule(),
        new Scheduling.Web.Features.Waves.WavesModule(),
        new Scheduling.Web.Features.Planning.PlanningModule(),
        new EventsModule(),
        new ApprovalModule(),
        new SeriesModule(),
        new Scheduling.Web.Features.Pipelines.PipelinesModule(),
    ];
}
