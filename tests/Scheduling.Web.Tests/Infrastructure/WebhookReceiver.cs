using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Scheduling.Web.Tests.Infrastructure;

/// <summary>One request the receiver got.</summary>
public sealed record ReceivedWebhook(string Path, string Body, string? IdempotencyKey, string? Signature, string? Node, DateTime ReceivedAt, string? Event = null)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// An integration on 127.0.0.1: records every POST and answers what the test scripted per path
/// (status codes in order, then the last one repeats; an optional delay).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private LoopbackServer _server = default!;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentDictionary<string, Script> _scripts = new();

    private sealed class Script(int[] statuses, TimeSpan delay, string? body = null)
    {
        private int _next;
        public TimeSpan Delay { get; } = delay;
        public string? Body { get; } = body;
        public int Next() => statuses[Math.Min(Interlocked.Increment(ref _next) - 1, statuses.Length - 1)];
    }

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public string BaseUrl => _server.BaseUrl;

    public string Url(string path) => _server.Url(path);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        receiver._server = await LoopbackServer.StartAsync((Delegate)receiver.HandleAsync);
        return receiver;
    }

    /// <summary>Answers POSTs to <paramref name="path"/> with these statuses in turn (the last repeats).</summary>
    public void Respond(string path, int[] statuses, TimeSpan? delay = null) => _scripts["/" + path.TrimStart('/')] = new Script(statuses, delay ?? TimeSpan.Zero);

    /// <summary>Answers POSTs to <paramref name="path"/> with this status and this text, as it is.</summary>
    public void RespondWithText(string path, int status, string body) => _scripts["/" + path.TrimStart('/')] = new Script([status], TimeSpan.Zero, body);

    public IReadOnlyList<ReceivedWebhook> On(string path) => [.. _received.Where(r => r.Path == "/" + path.TrimStart('/'))];

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var path = context.Request.Path.Value ?? "/";
        _received.Enqueue(new ReceivedWebhook(path, body, context.Request.Headers["Idempotency-Key"], context.Request.Headers["X-Signature-256"],
            context.Request.Headers["X-Scheduling-Node"], DateTime.UtcNow, context.Request.Headers["X-Scheduling-Event"]));
        var script = _scripts.GetValueOrDefault(path);
        if (script is not null && script.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(script.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return Results.StatusCode(499);
            }
        }
        var status = script?.Next() ?? 200;
        if (script?.Body is { } text)
        {
            return Results.Text(text, "text/plain", statusCode: status);
        }
        return Results.Json(new { ok = status is >= 200 and < 300, path, status }, statusCode: status);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
    }
}
