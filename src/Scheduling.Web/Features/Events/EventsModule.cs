using Microsoft.AspNetCore.Mvc;
using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Events;

public sealed record EventDeliveryListParameters
{
    [FromQuery] public Guid? SubscriptionId { get; init; }
    [FromQuery] public string? Status { get; init; }
    [FromQuery] public int? Page { get; init; }
    [FromQuery] public int? PageSize { get; init; }
}

/// <summary>Lifecycle event webhooks: subscriptions, the outbox written by changes, the delivery loop and its log.</summary>
public sealed class EventsModule : IFeatureModule
{
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<EventDeliveryOptions>().BindConfiguration(EventDeliveryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SubscriptionDirectory>();
        services.AddSingleton<LifecycleOutbox>();
        services.AddSingleton<Executions.IRunTransitionObserver>(sp => sp.GetRequiredService<LifecycleOutbox>());
        services.AddScoped<EventSubscriptionService>();
        services.AddScoped<EventDeliverer>();
        if (configuration.GetValue(EventDeliveryOptions.Section + ":" + nameof(EventDeliveryOptions.RunDelivery), true))
        {
            services.AddHostedService<EventDeliveryService>();
        }
    }

    public void MapEndpoints(ApiRoutes api)
    {
        var subscriptions = api.Authenticated.MapGroup("/workspace/event-subscriptions").WithTags("Events");
        subscriptions.MapGet("", (EventSubscriptionService service, CancellationToken ct) => service.ListAsync(ct))
            .Describe("EventSubscriptions_List", "List event subscriptions", "The workspace's lifecycle event subscriptions (secrets are never shown again).");
        subscriptions.MapPost("", async (EventSubscriptionInput body, EventSubscriptionService service, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/workspace/event-subscriptions/{created.Subscription.Id}", created);
        }).WithIdempotency().Describe("EventSubscriptions_Create", "Subscribe to lifecycle events", "Subscribe a URL to events ([\"*\"] or names); the signing secret is in this response only. Owners and Admins.");
        subscriptions.MapPut("/{id:guid}", (Guid id, EventSubscriptionInput body, EventSubscriptionService service, CancellationToken ct) => service.UpdateAsync(id, body, ct))
            .Describe("EventSubscriptions_Update", "Change an event subscription", "Change the URL, events or description. Owners and Admins.");
        subscriptions.MapDelete("/{id:guid}", async (Guid id, EventSubscriptionService service, CancellationToken ct) =>
        {
            await service.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).Describe("EventSubscriptions_Delete", "Delete an event subscription", "Remove the subscription and its delivery log. Owners and Admins.");
        subscriptions.MapPost("/{id:guid}/rotate-secret", (Guid id, EventSubscriptionService service, CancellationToken ct) => service.RotateSecretAsync(id, ct))
            .Describe("EventSubscriptions_RotateSecret", "Rotate a subscription's signing secret", "A new signing secret, effective at once, shown in this response only. Owners and Admins.");
        subscriptions.MapPost("/{id:guid}/test", (Guid id, EventSubscriptionService service, CancellationToken ct) => service.SendTestAsync(id, ct))
            .Describe("EventSubscriptions_Test", "Send a test event", "Send a signed ping event now and report the answer. Owners and Admins.");

        var deliveries = api.Authenticated.MapGroup("/workspace/event-deliveries").WithTags("Events");
        deliveries.MapGet("", ([AsParameters] EventDeliveryListParameters query, EventSubscriptionService service, CancellationToken ct) =>
                service.ListDeliveriesAsync(query.SubscriptionId, QueryValues.ParseEnum<EventDeliveryStatus>(query.Status, "status"), query.Page ?? 1, query.PageSize ?? 25, ct))
            .Describe("EventDeliveries_List", "List event deliveries", "The delivery log, newest first: event, status (pending, delivered, failed), attempts, last response; page, pageSize.");
        deliveries.MapPost("/{id:guid}/redeliver", (Guid id, EventSubscriptionService service, CancellationToken ct) => service.RedeliverAsync(id, ct))
            .Describe("EventDeliveries_Redeliver", "Redeliver an event", "Send a delivered or failed event again, with the same event id. Owners and Admins.", 409);
    }
}
