namespace Scheduling.Web.Data;

/// <summary>
/// A row that belongs to one workspace. <see cref="AppDbContext"/> filters every such entity by the
/// current workspace, so a feature cannot forget to.
/// </summary>
public interface IWorkspaceOwned
{
    Guid WorkspaceId { get; set; }
}
