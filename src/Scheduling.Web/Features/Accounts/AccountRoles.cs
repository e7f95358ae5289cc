namespace Scheduling.Web.Features.Accounts;

/// <summary>Instance-wide roles (Identity roles), as opposed to per-workspace roles.</summary>
public static class AccountRoles
{
    /// <summary>Runs the instance: the Hangfire dashboard and everything operational.</summary>
    public const string Administrator = "Administrator";
}
