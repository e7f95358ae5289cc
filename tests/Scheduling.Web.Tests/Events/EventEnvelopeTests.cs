using System.Text.Json;
using Scheduling.Web.Features.Events;

namespace Scheduling.Web.Tests.Events;

/// <summary>The envelope the delivery loop writes directly is, byte for byte, the <see cref="EventEnvelope"/> record serialised.</summary>
public class EventEnvelopeTests
{
    public static TheoryData<string> Data() => new()
    {
        // Stored data is always our serialiser's output (the outbox and the fan-out write it), escapes included.
        JsonSerializer.Serialize(new { id = Guid.CreateVersion7(), name = "Café <Weekly> & \"video\" — été 🎬", nested = new { list = new object?[] { 1, 2.5, true, null } } }, EventTypes.Json),
        "{}",
        NoData,
    };

    private const string NoData = "(no data)";

    [Theory]
    [MemberData(nameof(Data))]
    public void Serialize_WritesTheSameBytesAsTheEnvelopeRecord(string stored)
    {
        var data = stored == NoData ? null : stored;
        var e = new LifecycleEvent
        {
            EventId = Guid.CreateVersion7(), WorkspaceId = Guid.NewGuid(), Type = EventTypes.ExecutionCompleted,
            OccurredAt = new DateTime(2026, 12, 3, 9, 30, 15, 123, DateTimeKind.Utc), Data = data,
        };
        using var document = data is null ? null : JsonDocument.Parse(data);
        var record = JsonSerializer.Serialize(new EventEnvelope(e.EventId, e.Type, e.OccurredAt, e.WorkspaceId, document?.RootElement), EventTypes.Json);

        Assert.Equal(record, EventDeliverer.Serialize(e));
    }
}
