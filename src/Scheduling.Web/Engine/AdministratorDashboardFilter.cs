using Hangfire.Dashboard;
using Scheduling.Web.Features.Accounts;

namespace Scheduling.Web.Engine;

/// <summary>
/// The Hangfire dashboard is for instance Administrators only. Hangfire's default admits every local
/// request, which behind a reverse proxy on the same host means everyone.
/// </summary>
internal sealed class AdministratorDashboardFilter : IDashboardAsyncAuthorizationFilter
{
    public Task<bool> AuthorizeAsync(DashboardContext context)
    {
        var user = context.GetHttpContext().User;
        return Task.FromResult(user.Identity?.IsAuthenticated == true && user.IsInRole(AccountRoles.Administrator));
    }
}
