namespace Scheduling.Web.Security;

/// <summary>
/// Hangfire's <c>/hangfire/stats</c> (the dashboard's metrics poll) reads a form whatever the request: a GET, or a
/// POST without a form body, threw "Incorrect Content-Type" (a 500) once the caller was authorized. Those requests
/// are the caller's mistake: 405 (POST only) or 415. Hangfire's own authorization still answers first (401/403).
/// </summary>
public static class DashboardRequestGuard
{
    public static IApplicationBuilder UseDashboardRequestGuard(this IApplicationBuilder app, string dashboardPath) => app.Use(async (context, next) =>
    {
        if (!context.Request.Path.StartsWithSegments(dashboardPath + "/stats") || context.Request.HasFormContentType)
        {
            await next(context);
            return;
        }
        try
        {
            await next(context);
        }
        catch (InvalidOperationException) when (!context.Response.HasStarted)
        {
            var post = HttpMethods.IsPost(context.Request.Method);
            context.Response.Clear();
            context.Response.StatusCode = post ? StatusCodes.Status415UnsupportedMediaType : StatusCodes.Status405MethodNotAllowed;
            if (!post)
            {
                context.Response.Headers.Allow = "POST";
            }
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(post ? "Send the metrics as a form (application/x-www-form-urlencoded)." : "This endpoint accepts POST only.");
        }
    });
}
