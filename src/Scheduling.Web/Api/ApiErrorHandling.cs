using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Scheduling.Web.Api;

/// <summary>
/// Turns what a caller can get wrong into RFC 7807 problem details: our <see cref="AppException"/>s,
/// unreadable JSON, failed parameter binding and a missing or stale antiforgery token. Anything else is a 500 (a bug
/// to fix): API requests get it as problem details with the trace id (the middleware logs it once), pages the error
/// page. Re-executing an API request on the error page would not do: it has no PUT or DELETE (an empty 405).
/// </summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            RequestValidationException validation => new HttpValidationProblemDetails(validation.Errors.ToDictionary(e => e.Key, e => e.Value))
            {
                Status = validation.StatusCode,
                Title = validation.Title,
                Detail = validation.Message,
            },
            AppException app => new ProblemDetails { Status = app.StatusCode, Title = app.Title, Detail = app.Message },
            BadHttpRequestException bad => BadRequest(bad),
            // The passkey endpoints validate antiforgery themselves: a post without the cookie or field is the caller's.
            AntiforgeryValidationException antiforgery => new ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request could not be verified",
                Detail = "The form's antiforgery token is missing or no longer valid: reload the page and try again.",
            },
            _ when IsApi(httpContext.Request) => new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Something went wrong",
                Detail = "The server could not complete the request. Try again; if it persists, quote the trace id.",
            },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }
        foreach (var (name, value) in (exception as AppException)?.Extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[name] = value;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>The API, and any request the error page could not answer (it takes GET and POST).</summary>
    private static bool IsApi(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsPost(request.Method));

    private static ProblemDetails BadRequest(BadHttpRequestException bad)
    {
        // The JSON reader's message names the path and position of the fault ($.field, line, byte).
        var detail = bad.InnerException is JsonException json
            ? $"The request body is not valid JSON for this endpoint: {json.Message}"
            : bad.Message;
        var field = bad.InnerException is JsonException { Path: { Length: > 2 } path } ? path[2..]
            : BoundParameter().Match(bad.Message) is { Success: true } parameter ? JsonNamingPolicy.CamelCase.ConvertName(parameter.Groups[1].Value)
            : "body";
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [detail] })
        {
            Status = bad.StatusCode,
            Title = "The request could not be read",
            Detail = detail,
        };
    }

    // "Failed to bind parameter \"Nullable<Int32> count\" from \"x\"." names the parameter last.
    [System.Text.RegularExpressions.GeneratedRegex("parameter \"(?:[^\"]*\\s)?([A-Za-z0-9_]+)\" from")]
    private static partial System.Text.RegularExpressions.Regex BoundParameter();
}
