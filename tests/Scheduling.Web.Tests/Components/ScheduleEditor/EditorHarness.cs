using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Accounts;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Tests.Components.ScheduleEditor;

/// <summary>
/// The app's registrations (as <see cref="AppServicesHarness"/>) plus the schedule feature, on a fresh migrated SQLite
/// file, with one signed-in owner acting in their personal workspace and a fixed clock: Friday 1 March 2030, 12:00 UTC.
/// </summary>
internal sealed class EditorHarness : IAsyncDisposable
{
    public const string Email = "ada@example.com";
    public const string PersonalWorkspace = "ada's workspace";

    public static readonly DateTimeOffset Start = new(2030, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _root;

    private EditorHarness(string root, BunitContext context, FakeTimeProvider clock)
    {
        _root = root;
        Context = context;
        Clock = clock;
    }

    public BunitContext Context { get; }

    public FakeTimeProvider Clock { get; }

    public ScheduleService Schedules => Context.Services.GetRequiredService<ScheduleService>();

    public NavigationManager Navigation => Context.Services.GetRequiredService<NavigationManager>();

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    /// <summary>A signed-in owner whose profile zone is <paramref name="viewerZone"/>.</summary>
    public static async Task<EditorHarness> CreateAsync(string viewerZone = "Europe/Paris")
    {
        var (root, context, clock) = await AppTestHost.CreateAsync("editor", Start);
        var harness = new EditorHarness(root, context, clock);

        var users = context.Services.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = Email, Email = Email, EmailConfirmed = true, CreatedAt = clock.GetUtcNow().UtcDateTime };
        var created = await users.CreateAsync(user, "Component-Test-1");
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        await context.Services.GetRequiredService<NewUserSetup>().SetUpAsync(user, Ct);

        await using (var db = await context.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct))
        {
            var member = await db.WorkspaceMembers.IgnoreQueryFilters().Include(m => m.Workspace)
                .SingleAsync(m => m.UserId == user.Id && m.Workspace!.Name == PersonalWorkspace, Ct);
            context.Services.GetRequiredService<WorkspaceContext>().Set(user.Id, member.WorkspaceId, PersonalWorkspace, member.Role, isInstanceAdmin: false);
        }
        await context.Services.GetRequiredService<ProfileService>().UpdateAsync(viewerZone, darkMode: null, Ct);
        return harness;
    }

    /// <summary>The component beside the popover and dialog providers, as the main layout renders pages.</summary>
    public IRenderedComponent<ContainerFragment> Render<TComponent>(IReadOnlyDictionary<string, object?>? parameters = null)
        where TComponent : IComponent =>
        Render<TComponent>(Context, parameters);

    public static IRenderedComponent<ContainerFragment> Render<TComponent>(BunitContext context, IReadOnlyDictionary<string, object?>? parameters = null)
        where TComponent : IComponent =>
        context.Render<ContainerFragment>(p => p.AddChildContent(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<TComponent>(1);
            foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
            {
                builder.AddAttribute(2, name, value);
            }
            builder.CloseComponent();
        }));

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
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
