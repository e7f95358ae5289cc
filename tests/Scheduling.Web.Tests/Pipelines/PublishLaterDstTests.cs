using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Engine;
using Scheduling.Web.Features.Executions;
using Scheduling.Web.Features.Pipelines;
using Scheduling.Web.Features.Schedules;
using Scheduling.Web.Tests.Components.Executions;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Pipelines;

/// <summary>
/// Produce now, publish later across Europe's spring-forward night, on a fixed clock: the engine's runner itself (no
/// Hangfire timing) produces on Saturday 28 March 2026 at 10:00 Paris and publishes "+1d" at Sunday's 10:00 Paris,
/// 23 hours later, never before.
/// </summary>
public sealed class PublishLaterDstTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task AProducedRun_PublishesADayLaterAtTheSameWallTime_AcrossSpringForward_NotBefore()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await ExecutionHarness.CreateAsync(allowPrivateTargets: true);
        var schedule = await app.Schedules.CreateAsync(new ScheduleInput
        {
            Name = "Saturday video",
            JobType = JobType.VideoGeneration,
            ScheduleType = ScheduleType.Once,
            ScheduledAt = "2026-03-28T10:00:00",
            Timezone = "Europe/Paris",
            WebhookUrl = receiver.Url("dst"),
            Pipeline = new PipelineInput([new PipelineStage("render", "Render"), new PipelineStage("upload", "Upload", Publishing: true)]),
            PublishAt = "+1d",
        }, Ct);
        var produced = new DateTime(2026, 3, 28, 9, 0, 0, DateTimeKind.Utc);   // 10:00 CET (UTC+1)
        var published = new DateTime(2026, 3, 29, 8, 0, 0, DateTimeKind.Utc);  // 10:00 CEST (UTC+2): 23 hours later
        Guid runId;
        await using (var db = await app.NewDbContextAsync())
        {
            var entity = await db.Schedules.SingleAsync(s => s.Id == schedule.Id, Ct);
            var run = Execution.Planned(entity, produced, 1, catchingUp: false, notBefore: null, now: produced);
            runId = run.Id;
            db.Executions.Add(run);
            await db.SaveChangesAsync(Ct);
        }
        var runner = app.Context.Services.GetRequiredService<ExecutionRunner>();

        app.Clock.SetUtcNow(produced.AddSeconds(1));
        await runner.RunAsync(runId, null, Ct);
        var held = await RunAsync(app, runId);
        Assert.Equal((ExecutionStatus.Pending, WaitReason.PublishAt, published), (held.Status, held.WaitReason, held.PublishAt));
        Assert.Equal(TimeSpan.FromHours(23), held.PublishAt!.Value - produced);
        Assert.Equal(["render"], receiver.On("dst").Select(r => r.Json.GetProperty("action").GetString()));

        // A job a minute early (a stale carrier) publishes nothing: the run waits for its time.
        app.Clock.SetUtcNow(published.AddMinutes(-1));
        await runner.RunAsync(runId, null, Ct);
        Assert.Equal(WaitReason.PublishAt, (await RunAsync(app, runId)).WaitReason);
        Assert.Single(receiver.On("dst"));

        app.Clock.SetUtcNow(published.AddSeconds(1));
        await runner.RunAsync(runId, null, Ct);
        var done = await RunAsync(app, runId);
        Assert.Equal(ExecutionStatus.Completed, done.Status);
        Assert.Equal(["render", "upload"], receiver.On("dst").Select(r => r.Json.GetProperty("action").GetString()));
        Assert.Equal(2, done.Attempts);
        Assert.Contains("\"lateBySeconds\":null", done.Result, StringComparison.Ordinal);
    }

    private static async Task<Execution> RunAsync(ExecutionHarness app, Guid id)
    {
        await using var db = await app.NewDbContextAsync();
        return await db.Executions.AsNoTracking().SingleAsync(e => e.Id == id, Ct);
    }
}
