using System.Linq.Expressions;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Scheduling.Web.Features.Alerts;
using Scheduling.Web.Features.Calendar;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Features.Tokens;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Data;

/// <summary>
/// The unit of work for every feature. Provider-specific subclasses exist only so that each provider
/// keeps its own migration set (design.md §9); the model is defined here once.
/// </summary>
public abstract class AppDbContext(DbContextOptions options, WorkspaceContext workspace)
    : IdentityDbContext<ApplicationUser>(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<Workspace> Workspaces => Set<Workspace>();
    public DbSet<WorkspaceMember> WorkspaceMembers => Set<WorkspaceMember>();
    public DbSet<WorkspaceInvitation> WorkspaceInvitations => Set<WorkspaceInvitation>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Schedule> Schedules => Set<Schedule>();
    public DbSet<ScheduleException> ScheduleExceptions => Set<ScheduleException>();
    public DbSet<Execution> Executions => Set<Execution>();
    public DbSet<ExecutionAttempt> ExecutionAttempts => Set<ExecutionAttempt>();
    public DbSet<WorkspaceStartTally> WorkspaceStartTallies => Set<WorkspaceStartTally>();
    public DbSet<Features.Executions.Progress.ExecutionProgressEntry> ExecutionProgress => Set<Features.Executions.Progress.ExecutionProgressEntry>();
    public DbSet<WebhookSecret> WebhookSecrets => Set<WebhookSecret>();
    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();
    public DbSet<Alert> Alerts => Set<Alert>();
    public DbSet<Api.IdempotencyRecord> IdempotencyRecords => Set<Api.IdempotencyRecord>();
    public DbSet<CalendarFeed> CalendarFeeds => Set<CalendarFeed>();
    public DbSet<Features.Channels.Channel> Channels => Set<Features.Channels.Channel>();
    public DbSet<Features.Approval.Review> Reviews => Set<Features.Approval.Review>();
    public DbSet<Features.Events.EventSubscription> EventSubscriptions => Set<Features.Events.EventSubscription>();
    public DbSet<Features.Events.LifecycleEvent> LifecycleEvents => Set<Features.Events.LifecycleEvent>();
    public DbSet<Features.Events.EventDelivery> EventDeliveries => Set<Features.Events.EventDelivery>();
    public DbSet<Features.Series.Series> Series => Set<Features.Series.Series>();
    public DbSet<Features.Series.SeriesEpisode> SeriesEpisodes => Set<Features.Series.SeriesEpisode>();
    public DbSet<Features.Pipelines.WorkspacePipeline> WorkspacePipelines => Set<Features.Pipelines.WorkspacePipeline>();
    public DbSet<Features.Pipelines.ExecutionStage> ExecutionStages => Set<Features.Pipelines.ExecutionStage>();
    public DbSet<Features.Channels.ChannelPost> ChannelPosts => Set<Features.Channels.ChannelPost>();
    public DbSet<Features.Content.ContentItem> ContentItems => Set<Features.Content.ContentItem>();
    public DbSet<Features.Waves.Wave> Waves => Set<Features.Waves.Wave>();

    /// <summary>Read by the query filters at query time, so it follows the scope's workspace.</summary>
    internal Guid? CurrentWorkspaceId => workspace.WorkspaceId;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Instants are stored in UTC and come back marked as UTC on every provider.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<ApplicationUser>(user =>
        {
            user.Property(u => u.TimeZone).HasMaxLength(64);
        });
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly, t => t.Namespace?.StartsWith("Scheduling.Web.Features", StringComparison.Ordinal) == true);
        builder.ApplyConfiguration(new Api.IdempotencyRecordConfiguration());
        ApplyWorkspaceFilters(builder);
    }

    private void ApplyWorkspaceFilters(ModelBuilder builder)
    {
        foreach (var entity in builder.Model.GetEntityTypes())
        {
            if (!typeof(IWorkspaceOwned).IsAssignableFrom(entity.ClrType) || entity.BaseType is not null)
            {
                continue;
            }

            // e => e.WorkspaceId == this.CurrentWorkspaceId (a null workspace matches nothing)
            var e = Expression.Parameter(entity.ClrType, "e");
            var rowWorkspace = Expression.Convert(Expression.Property(e, nameof(IWorkspaceOwned.WorkspaceId)), typeof(Guid?));
            var current = Expression.Property(Expression.Constant(this), nameof(CurrentWorkspaceId));
            builder.Entity(entity.ClrType).HasQueryFilter(Expression.Lambda(Expression.Equal(rowWorkspace, current), e));
        }
    }
}
