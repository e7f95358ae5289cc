using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Accounts;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Tests.Components;

/// <summary>
/// A bUnit context wired with the app's own service registrations (AddPersistence, AddAccounts) on a fresh
/// SQLite file, so components run against real services and a real, migrated database.
/// </summary>
internal sealed class AppServicesHarness : IAsyncDisposable
{
    public const string Password = "Component-Test-1";

    private readonly string _root;

    private AppServicesHarness(string root, BunitContext context, FakeTimeProvider clock)
    {
        _root = root;
        Context = context;
        Clock = clock;
    }

    public BunitContext Context { get; }

    /// <summary>A fixed clock: dates shown by components can be asserted exactly.</summary>
    public FakeTimeProvider Clock { get; }

    public WorkspaceContext Workspace => Context.Services.GetRequiredService<WorkspaceContext>();

    public static async Task<AppServicesHarness> CreateAsync()
    {
        var (root, context, clock) = await AppTestHost.CreateAsync("app", new DateTimeOffset(2026, 3, 10, 9, 30, 0, TimeSpan.Zero));
        var harness = new AppServicesHarness(root, context, clock);
        return harness;
    }

    /// <summary>Creates an account the way registration does (Identity + personal workspace).</summary>
    public async Task<ApplicationUser> CreateUserAsync(string email)
    {
        var users = Context.Services.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = Clock.GetUtcNow().UtcDateTime };
        var created = await users.CreateAsync(user, Password);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        await Context.Services.GetRequiredService<NewUserSetup>().SetUpAsync(user, Xunit.TestContext.Current.CancellationToken);
        return user;
    }

    /// <summary>The scoped workspace context, filled as the main layout fills it for a signed-in circuit.</summary>
    public async Task ActAsync(ApplicationUser user, string workspaceName)
    {
        await using var db = await NewDbContextAsync();
        var member = await db.WorkspaceMembers.IgnoreQueryFilters().Include(m => m.Workspace)
            .SingleAsync(m => m.UserId == user.Id && m.Workspace!.Name == workspaceName, Xunit.TestContext.Current.CancellationToken);
        Workspace.Set(user.Id, member.WorkspaceId, member.Workspace!.Name, member.Role, isInstanceAdmin: false);
    }

    public Task<AppDbContext> NewDbContextAsync() =>
        Context.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Xunit.TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        // Pooled connections keep the file open; release them so the folder can go.
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
