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
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Accounts;
using Scheduling.Web.Features.Alerts;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Tests.Components.Executions;

/// <summary>
/// The app's registrations on a fresh migrated SQLite file with a fixed clock, plus the schedule and execution
/// features and the engine registered as Program.cs does it, with no Hangfire server and no dispatcher: nothing
/// runs in the background, runs enqueued by Run now or Retry stay pending. One owner acts in their workspace.
/// </summary>
internal sealed class ExecutionHarness : IAsyncDisposable
{
    public const string Email = "margaret@example.com";
    public const string PersonalWorkspace = "margaret's workspace";

    /// <summary>Tuesday 10 March 2026, 09:30 UTC.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 10, 9, 30, 0, TimeSpan.Zero);

    private readonly string _root;

    private ExecutionHarness(string root, BunitContext context, FakeTimeProvider clock)
    {
        _root = root;
        Context = context;
        Clock = clock;
    }

    public BunitContext Context { get; }

    public FakeTimeProvider Clock { get; }

    public ScheduleService Schedules => Context.Services.GetRequiredService<ScheduleService>();

    public ExecutionService Executions => Context.Services.GetRequiredService<ExecutionService>();

    public WebhookSettingsService Webhooks => Context.Services.GetRequiredService<WebhookSettingsService>();

    public WorkspaceContext Workspace => Context.Services.GetRequiredService<WorkspaceContext>();

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    /// <param name="allowPrivateTargets">Execution:AllowPrivateNetworkTargets, for webhook tests against a loopback receiver.</param>
    public static async Task<ExecutionHarness> CreateAsync(string viewerZone = "Europe/Paris", bool allowPrivateTargets = false)
    {
        var (root, context, clock) = await AppTestHost.CreateAsync("executions", Start,
            new Dictionary<string, string?> { ["Execution:AllowPrivateNetworkTargets"] = allowPrivateTargets ? "true" : "false" });
        var harness = new ExecutionHarness(root, context, clock);

        var users = context.Services.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = Email, Email = Email, EmailConfirmed = true, CreatedAt = clock.GetUtcNow().UtcDateTime };
        var created = await users.CreateAsync(user, "Component-Test-1");
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        await context.Services.GetRequiredService<NewUserSetup>().SetUpAsync(user, Ct);
        await harness.ActAsync(user.Id, PersonalWorkspace);
        await context.Services.GetRequiredService<ProfileService>().UpdateAsync(viewerZone, darkMode: null, Ct);
        return harness;
    }

    /// <summary>Fills the scoped workspace context as the main layout does, optionally with another role.</summary>
    public async Task ActAsync(string userId, string workspaceName, WorkspaceRole? role = null)
    {
        await using var db = await NewDbContextAsync();
        var member = await db.WorkspaceMembers.IgnoreQueryFilters().Include(m => m.Workspace)
            .SingleAsync(m => m.UserId == userId && m.Workspace!.Name == workspaceName, Ct);
        Workspace.Set(userId, member.WorkspaceId, member.Workspace!.Name, role ?? member.Role, isInstanceAdmin: false);
    }

    public Task ActAsManagerAsync() => ActAsync(Workspace.UserId!, Workspace.WorkspaceName, WorkspaceRole.Manager);

    public Task<AppDbContext> NewDbContextAsync() =>
        Context.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(Ct);

    /// <summary>A weekly schedule (Mondays and Wednesdays, 09:00 in New York) to hang executions on.</summary>
    public Task<ScheduleView> CreateScheduleAsync(string name, JobType jobType = JobType.Publish) =>
        Schedules.CreateAsync(new ScheduleInput
        {
            Name = name,
            JobType = jobType,
            ScheduleType = ScheduleType.Recurring,
            Timezone = "America/New_York",
            Recurrence = new RecurrenceInput
            {
                Frequency = Scheduling.Core.Recurrence.Frequency.Weekly,
                ByDay = ["MO", "WE"],
                TimesOfDay = ["09:00"],
                Start = "2026-03-01T09:00:00",
            },
            JobConfig = JsonDocument.Parse("""{"channel":"web"}""").RootElement,
        }, Ct);

    /// <summary>Inserts a finished (or pending) run with one attempt, as the engine would have recorded it.</summary>
    public async Task<Execution> SeedAsync(ScheduleView schedule, DateTime scheduledForUtc, ExecutionStatus status, long? durationMs = 1200,
        string? error = null, string? reason = null, int? responseStatus = 200, string? request = null, string? response = null, bool manual = false)
    {
        await using var db = await NewDbContextAsync();
        var workspaceId = Workspace.WorkspaceId!.Value;
        var finished = status is ExecutionStatus.Completed or ExecutionStatus.Failed or ExecutionStatus.Skipped or ExecutionStatus.Cancelled;
        var execution = new Execution
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = workspaceId,
            ScheduleId = schedule.Id,
            OccurrenceKey = manual ? "manual:" + Guid.NewGuid().ToString("N") : Execution.PlannedKey(scheduledForUtc),
            ScheduledFor = scheduledForUtc,
            IsManual = manual,
            Status = status,
            Priority = schedule.Priority,
            JobType = schedule.JobType,
            Attempts = status == ExecutionStatus.Pending ? 0 : 1,
            CreatedAt = scheduledForUtc,
            StartedAt = status == ExecutionStatus.Pending ? null : scheduledForUtc.AddSeconds(1),
            CompletedAt = finished ? scheduledForUtc.AddSeconds(1).AddMilliseconds(durationMs ?? 0) : null,
            DurationMs = finished ? durationMs : null,
            Error = error,
            Reason = reason,
            Result = status == ExecutionStatus.Completed ? """{"status":200,"body":{"ok":true}}""" : null,
        };
        db.Executions.Add(execution);
        if (status is not ExecutionStatus.Pending and not ExecutionStatus.Skipped)
        {
            db.ExecutionAttempts.Add(new ExecutionAttempt
            {
                Id = Guid.CreateVersion7(),
                WorkspaceId = workspaceId,
                ExecutionId = execution.Id,
                Number = 1,
                Action = "webhook",
                StartedAt = execution.StartedAt!.Value,
                CompletedAt = execution.CompletedAt,
                Status = status,
                Target = "https://hooks.example.com/publish",
                Request = request ?? """{"executionId":"x","scheduleName":"n"}""",
                ResponseStatus = responseStatus,
                Response = response ?? """{"ok":true}""",
                Error = error,
                DurationMs = durationMs,
            });
        }
        await db.SaveChangesAsync(Ct);
        return execution;
    }

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
