using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Scheduling.Web.Engine;

/// <summary>The JSON posted to an integration for one attempt (camelCase).</summary>
public sealed record WebhookEnvelope(
    Guid ExecutionId,
    Guid ScheduleId,
    string ScheduleName,
    string JobType,
    JsonElement JobConfig,
    DateTime ScheduledFor,
    int Attempt,
    bool IsManual,
    string? Title,
    string? Action = null,
    JsonElement? Previous = null,
    EnvelopeChannel? Channel = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] SeriesEnvelope? Series = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] JsonElement? PreviousResults = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] EnvelopeWave? Wave = null);

/// <summary>The channel the run posts to (null for a schedule without one).</summary>
public sealed record EnvelopeChannel(Guid Id, string Name, string Platform);

/// <summary>The <c>wave</c> block of a wave item's envelope (absent for other runs): the one release it is part of.</summary>
public sealed record EnvelopeWave(Guid Id, string Name, string Mode);

/// <summary>The <c>series</c> block of an episode's envelope (absent for other runs).</summary>
public sealed record SeriesEnvelope(Guid Id, string Name, int Episode, int EpisodeCount);

/// <summary>What came back from one POST.</summary>
public sealed record WebhookResponse(int? Status, string? Body, string? Error, TimeSpan Duration, bool Refused = false)
{
    public bool IsSuccess => Status is >= 200 and < 300;
    public bool IsAccepted => Status == 202;

    /// <summary>Network errors, timeouts, 5xx, 408 and 429 may succeed later; other 4xx and refused targets will not.</summary>
    public bool IsRetryable => !Refused && Status is null or >= 500 or 408 or 429;
}

/// <summary>
/// Signed webhook POSTs: <c>Idempotency-Key</c> = execution id, <c>X-Signature-256: sha256=&lt;hex HMAC of the
/// body&gt;</c>, <c>X-Scheduling-Event</c>. Targets <see cref="WebhookTargetPolicy"/> refuses (loopback and private
/// unless <see cref="ExecutionOptions.AllowPrivateNetworkTargets"/>; reserved ranges always) are refused at connect time.
/// </summary>
public sealed class WebhookDelivery(IHttpClientFactory clients, IOptionsMonitor<ExecutionOptions> options)
{
    public const string ClientName = "webhooks";
    public const int MaxKeptResponse = 4096;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Serialize(WebhookEnvelope envelope) => JsonSerializer.Serialize(envelope, Json);

    public static string Sign(string body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    /// <summary>The <c>X-Scheduling-Event</c> of a run's delivery; the settings page's test sends <see cref="PingEvent"/>.</summary>
    public const string ExecutionEvent = "execution";
    public const string PingEvent = "ping";

    public async Task<WebhookResponse> PostAsync(Uri target, string body, string idempotencyKey, string secret, TimeSpan timeout, CancellationToken cancellationToken,
        string eventName = ExecutionEvent)
    {
        var watch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        request.Headers.Add("X-Signature-256", Sign(body, secret));
        request.Headers.UserAgent.ParseAdd("Scheduling.Web-Webhook/1.0");
        request.Headers.Add("X-Scheduling-Node", options.CurrentValue.NodeName);
        request.Headers.Add("X-Scheduling-Event", eventName);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token);
            var text = await ReadLimitedAsync(response, timeoutSource.Token);
            return new WebhookResponse((int)response.StatusCode, text, response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", watch.Elapsed);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookResponse(null, null, $"Timed out after {timeout.TotalSeconds:0.#} s.", watch.Elapsed);
        }
        catch (HttpRequestException ex)
        {
            return ex.InnerException is PrivateTargetException refused
                ? new WebhookResponse(null, null, refused.Message, watch.Elapsed, Refused: true)
                : new WebhookResponse(null, null, $"Network error: {ex.Message}", watch.Elapsed);
        }
    }

    private static async Task<string> ReadLimitedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxKeptResponse];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += n;
        }
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>
    /// The handler of the "webhooks" client: resolves the host itself and connects only to addresses
    /// <see cref="WebhookTargetPolicy"/> allows, so the check is on the address actually connected (no DNS rebinding).
    /// </summary>
    public static SocketsHttpHandler CreateHandler(IOptionsMonitor<ExecutionOptions> options)
    {
        var policy = new WebhookTargetPolicy(options);
        return new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            AllowAutoRedirect = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
                var allowed = addresses.Where(policy.Allows).ToArray();
                if (allowed.Length == 0)
                {
                    var why = addresses.Length > 0 ? policy.RefusalOf(addresses[0]) : "no address";
                    throw new PrivateTargetException($"Refused: {context.DnsEndPoint.Host}: {why}");
                }
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }
}

public sealed class PrivateTargetException(string message) : IOException(message);
