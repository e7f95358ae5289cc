using Microsoft.AspNetCore.Identity;

namespace Scheduling.Web.Data;

public class ApplicationUser : IdentityUser
{
    /// <summary>IANA zone the UI shows times in; null until the browser reports one on first sign-in.</summary>
    public string? TimeZone { get; set; }

    /// <summary>The workspace a cookie session acts in (an API token carries its own).</summary>
    public Guid? CurrentWorkspaceId { get; set; }

    public bool DarkMode { get; set; }

    public DateTime CreatedAt { get; set; }
}
