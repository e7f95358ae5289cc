using System.ComponentModel.DataAnnotations;

namespace Scheduling.Web.Features.Events;

/// <summary><c>Events:*</c> settings of the lifecycle event delivery loop.</summary>
public sealed class EventDeliveryOptions
{
    public const string Section = "Events";

    /// <summary>Run the delivery loop on this node (any number of nodes may: a subscription is sent by one at a time).</summary>
    public bool RunDelivery { get; set; } = true;

    /// <summary>How often the loop looks for new events and due retries (it loops at once while there is more).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "Setting 'Events:DeliveryInterval' must be between 00:00:00.050 and 00:01:00.")]
    public TimeSpan DeliveryInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long the loop may hold events back while this node's engine is in a burst (decision 0044): the burst's runs
    /// start without sharing the database's writer with their own events, which follow once it is over, or after this
    /// long if it goes on. Zero: never hold back.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Setting 'Events:YieldToBurstAtMost' must be between 00:00:00 and 00:10:00.")]
    public TimeSpan YieldToBurstAtMost { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a delivery is retried (with backoff) before it is marked failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Setting 'Events:RetryWindow' must be between 00:00:01 and 7.00:00:00.")]
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long one POST may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = "Setting 'Events:Timeout' must be between 00:00:01 and 00:01:00.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At most one <c>execution.progress</c> event per run in this time (the first report and 100 % always send one).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Setting 'Events:ProgressThrottle' must be between 00:00:00 and 1.00:00:00.")]
    public TimeSpan ProgressThrottle { get; set; } = TimeSpan.FromSeconds(10);
}
