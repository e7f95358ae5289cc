using Scheduling.Web.Features.Accounts;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Api;

/// <summary>The <c>/api/v1</c> surface: each feature maps its own endpoints onto the shared group.</summary>
public static class ApiEndpoints
{
    public static RouteGroupBuilder MapApi(this IEndpointRouteBuilder app, IEnumerable<IFeatureModule> features)
    {
        var api = app.MapGroup("/api/v1");
        var authenticated = api.MapGroup("")
            .RequireAuthorization(AccountsServiceCollectionExtensions.ApiPolicy)
            .AddEndpointFilter<WorkspaceEndpointFilter>();
        var routes = new ApiRoutes(authenticated, api.MapGroup(""));
        foreach (var feature in features)
        {
            feature.MapEndpoints(routes);
        }
        return api;
    }
}

/// <summary>Resolves the caller's workspace before any API handler runs.</summary>
internal sealed class WorkspaceEndpointFilter(WorkspaceResolver resolver) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!await resolver.ResolveAsync(http.User, http.RequestAborted))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: "This credential no longer gives access to a workspace.");
        }
        return await next(context);
    }
}
