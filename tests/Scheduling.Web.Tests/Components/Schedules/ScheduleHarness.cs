using System.Text.Json;
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
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Alerts;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Accounts;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Tests.Components.Schedules;

/// <summary>
/// Like <see cref="AppServicesHarness"/> (real SQLite, migrations, a fixed clock), plus the schedule feature's
/// registrations, which the shared harness does not make: services must all be registered before the first
/// is resolved, so they cannot be added to it afterwards.
/// </summary>
internal sealed class ScheduleHarness : IAsyncDisposable
{
    public const string Email = "linus@example.com";
    public const string PersonalWorkspace = "linus's workspace";

    /// <summary>Tuesday 10 March 2026, 09:30 UTC (10:30 in Paris, 05:30 in New York: DST began there on 8 March).</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 10, 9, 30, 0, TimeSpan.Zero);

    private readonly string _root;

    private ScheduleHarness(string root, BunitContext context, FakeTimeProvider clock)
    {
        _root = root;
        Context = context;
        Clock = clock;
    }

    public BunitContext Context { get; }

    public FakeTimeProvider Clock { get; }

    public ScheduleService Schedules => Context.Services.GetRequiredService<ScheduleService>();

    public WorkspaceContext Workspace => Context.Services.GetRequiredService<WorkspaceContext>();

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    /// <summary>A migrated database with one signed-in user acting in their personal workspace, viewing in <paramref name="viewerZone"/>.</summary>
    public static async Task<ScheduleHarness> CreateAsync(string? viewerZone = "Europe/Paris")
    {
        var (root, context, clock) = await AppTestHost.CreateAsync("schedules", Start);
        var harness = new ScheduleHarness(root, context, clock);

        var users = context.Services.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = Email, Email = Email, EmailConfirmed = true, CreatedAt = clock.GetUtcNow().UtcDateTime };
        var created = await users.CreateAsync(user, "Component-Test-1");
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        await context.Services.GetRequiredService<NewUserSetup>().SetUpAsync(user, Ct);
        await harness.ActAsync(user.Id, PersonalWorkspace);
        if (viewerZone is not null)
        {
            await context.Services.GetRequiredService<ProfileService>().UpdateAsync(viewerZone, darkMode: null, Ct);
        }
        return harness;
    }

    /// <summary>Fills the scoped workspace context as the main layout does, optionally with another role.</summary>
    public async Task ActAsync(string userId, string workspaceName, WorkspaceRole? role = null)
    {
        await using var db = await Context.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);
        var member = await db.WorkspaceMembers.IgnoreQueryFilters().Include(m => m.Workspace)
            .SingleAsync(m => m.UserId == userId && m.Workspace!.Name == workspaceName, Ct);
        Workspace.Set(userId, member.WorkspaceId, member.Workspace!.Name, role ?? member.Role, isInstanceAdmin: false);
    }

    /// <summary>Acts as a read-only member (Manager) of the same workspace.</summary>
    public Task ActAsManagerAsync() => ActAsync(Workspace.UserId!, Workspace.WorkspaceName, WorkspaceRole.Manager);

    /// <summary>A once-schedule at a local wall time in a zone.</summary>
    public Task<ScheduleView> CreateOnceAsync(string name, string localAt, string zone = "America/New_York",
        JobType jobType = JobType.VideoGeneration, SchedulePriority priority = SchedulePriority.Normal) =>
        Schedules.CreateAsync(new ScheduleInput
        {
            Name = name,
            JobType = jobType,
            ScheduleType = ScheduleType.Once,
            ScheduledAt = localAt,
            Timezone = zone,
            Priority = priority,
            JobConfig = JsonDocument.Parse("""{"format":"mp4","resolution":"1080p"}""").RootElement,
        }, Ct);

    /// <summary>Every Monday and Wednesday at 09:00 in the zone, from 1 March 2026.</summary>
    public Task<ScheduleView> CreateWeeklyAsync(string name, string zone = "America/New_York", IReadOnlyList<string>? exdates = null) =>
        Schedules.CreateAsync(new ScheduleInput
        {
            Name = name,
            JobType = JobType.Publish,
            ScheduleType = ScheduleType.Recurring,
            Timezone = zone,
            Recurrence = new RecurrenceInput
            {
                Frequency = Frequency.Weekly,
                ByDay = ["MO", "WE"],
                TimesOfDay = ["09:00"],
                Start = "2026-03-01T09:00:00",
                Exdates = exdates,
            },
        }, Ct);

    /// <summary>The component beside the popover and dialog providers, as the main layout renders pages.</summary>
    public IRenderedComponent<ContainerFragment> Render<TComponent>(IReadOnlyDictionary<string, object?>? parameters = null)
        where TComponent : IComponent =>
        Context.Render<ContainerFragment>(p => p.AddChildContent(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<TComponent>(2);
            foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
            {
                builder.AddAttribute(3, name, value);
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
