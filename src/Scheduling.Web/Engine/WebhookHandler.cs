using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Scheduling.Core.Common;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Engine;

/// <summary>Finds where an execution is delivered and with which secret.</summary>
public sealed class WebhookTargets(IDbContextFactory<AppDbContext> contexts, IDataProtectionProvider protection, TimeProvider clock)
{
    /// <summary>Unprotected secrets by their protected form: unprotecting derives keys, too slow to repeat on every delivery.</summary>
    private static readonly ConcurrentDictionary<string, string> Unprotected = new(StringComparer.Ordinal);
    private static readonly SemaphoreSlim SecretCreation = new(1, 1);
    private readonly IDataProtector _protector = WebhookSettingsService.CreateProtector(protection);

    /// <summary>The schedule's URL, else its channel's, else the workspace's endpoint for the job type; null when none is set.</summary>
    public async Task<(Uri? Target, string Secret)> ResolveAsync(JobRunContext context, CancellationToken ct)
    {
        if (context.Targets is { ProtectedSecret: { } protectedSecret } preloaded)
        {
            var preloadedUrl = context.Schedule.WebhookUrl ?? preloaded.Channel?.WebhookUrl ?? preloaded.WorkspaceEndpoint;
            return (preloadedUrl is null ? null : new Uri(preloadedUrl), Unprotect(protectedSecret));
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var channelId = context.Schedule.ChannelId;
        var url = context.Schedule.WebhookUrl
            ?? (channelId is null ? null : await db.Channels.IgnoreQueryFilters().Where(c => c.Id == channelId).Select(c => c.WebhookUrl).FirstOrDefaultAsync(ct))
            ?? await db.WebhookEndpoints.IgnoreQueryFilters()
                .Where(e => e.WorkspaceId == context.Schedule.WorkspaceId && e.JobType == context.Schedule.JobType)
                .Select(e => e.Url).FirstOrDefaultAsync(ct);
        // The first runs of a new workspace would all race to create its secret: on this node they take turns.
        await SecretCreation.WaitAsync(ct);
        try
        {
            var secret = await WebhookSettingsService.SecretForAsync(db, _protector, context.Schedule.WorkspaceId, clock.GetUtcNow().UtcDateTime, ct);
            return (url is null ? null : new Uri(url), secret);
        }
        finally
        {
            SecretCreation.Release();
        }
    }

    private string Unprotect(string protectedSecret)
    {
        if (Unprotected.TryGetValue(protectedSecret, out var value))
        {
            return value;
        }
        if (Unprotected.Count > 10_000)
        {
            Unprotected.Clear();
        }
        value = _protector.Unprotect(protectedSecret);
        Unprotected[protectedSecret] = value;
        return value;
    }
}

/// <summary>One signed POST of the execution's envelope: how a plain one-stage pipeline is delivered (Features/Pipelines/PipelineHandler).</summary>
public sealed class WebhookHandler(WebhookDelivery delivery, WebhookTargets targets) : IJobHandler
{
    public IReadOnlyCollection<JobType> JobTypes => [];

    public async Task<HandlerOutcome> HandleAsync(JobRunContext context, CancellationToken cancellationToken)
    {
        var (target, secret) = await targets.ResolveAsync(context, cancellationToken);
        if (target is null)
        {
            return new HandlerOutcome.Failed([], null,
                $"No webhook URL: set one on the schedule or a workspace endpoint for {context.Schedule.JobType.ToWire()} in Settings.", Retryable: false);
        }

        var body = WebhookDelivery.Serialize(Envelope(context, action: null, previous: null));
        var response = await delivery.PostAsync(target, body, context.Execution.Id.ToString(), secret, context.Timeout, cancellationToken);
        var call = new DeliveryCall(null, target.ToString(), body, response.Status, response.Body, response.Error, response.Duration, response.IsSuccess);
        var result = ResultJson(response);
        if (response.IsAccepted)
        {
            return new HandlerOutcome.Accepted([call], result);
        }
        return response.IsSuccess
            ? new HandlerOutcome.Completed([call], result)
            : new HandlerOutcome.Failed([call], result, response.Error ?? "Delivery failed.", response.IsRetryable);
    }

    internal static WebhookEnvelope Envelope(JobRunContext context, string? action, JsonElement? previous)
    {
        using var config = JsonDocument.Parse(context.JobConfig);
        return new WebhookEnvelope(
            context.Execution.Id,
            context.Schedule.Id,
            context.Schedule.Name,
            context.Schedule.JobType.ToWire(),
            config.RootElement.Clone(),
            context.Execution.ScheduledFor,
            context.Attempt,
            context.Execution.IsManual,
            context.Execution.Title,
            action,
            previous,
            context.Targets?.Channel is { } channel ? new EnvelopeChannel(channel.Id, channel.Name, channel.Platform) : null,
            context.Episode is { } episode ? new SeriesEnvelope(episode.SeriesId, episode.SeriesName, episode.Number, episode.EpisodeCount) : null,
            Wave: context.Targets?.Wave);
    }

    /// <summary>The response kept in the result: JSON as JSON, anything else as text (both truncated).</summary>
    internal static string ResultJson(WebhookResponse response)
    {
        object? body = null;
        if (!string.IsNullOrEmpty(response.Body))
        {
            try
            {
                using var document = JsonDocument.Parse(response.Body);
                body = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                body = response.Body;
            }
        }
        return JsonSerializer.Serialize(new { status = response.Status, body }, JsonSerializerOptions.Web);
    }
}
