using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Scheduling.Web.Tests.Infrastructure;

/// <summary>
/// One request the holding receiver got: when it arrived and when it was answered, both as wall time and as
/// positions in one sequence of arrive/answer events (so "answered before the next arrived" is exact).
/// </summary>
public sealed record HeldRequest(string Path, string Body, string? IdempotencyKey, DateTime ReceivedAt, long ArrivedSeq)
{
    public DateTime? AnsweredAt { get; internal set; }

    /// <summary>Position of the answer in the receiver's event sequence; null while the request is still held.</summary>
    public long? AnsweredSeq { get; internal set; }

    public int? Status { get; internal set; }

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public Guid ExecutionId => Json.GetProperty("executionId").GetGuid();

    public int Attempt => Json.GetProperty("attempt").GetInt32();
}

/// <summary>
/// A loopback integration that holds responses open: each POST to a scripted path is answered only after its
/// hold time and, while the path is paused, not before it is resumed. It counts the requests in flight (arrived,
/// not yet answered) exactly, overall and per path, and remembers the highest count.
/// </summary>
public sealed class HoldingWebhookReceiver : IAsyncDisposable
{
    private LoopbackServer _server = default!;
    private readonly Lock _lock = new();
    private readonly List<HeldRequest> _requests = [];
    private readonly Dictionary<string, Script> _scripts = [];
    private readonly Dictionary<string, int> _inFlight = [];
    private readonly Dictionary<string, int> _maxInFlight = [];
    private int _inFlightTotal;
    private int _maxInFlightTotal;
    private long _seq;

    private sealed class Script(TimeSpan hold, int[] statuses)
    {
        private int _next;
        public TimeSpan Hold { get; } = hold;
        public TaskCompletionSource Gate { get; set; } = Opened();
        public int Next() => statuses[Math.Min(Interlocked.Increment(ref _next) - 1, statuses.Length - 1)];
    }

    public string BaseUrl => _server.BaseUrl;

    public string Url(string path) => _server.Url(path);

    public static async Task<HoldingWebhookReceiver> StartAsync()
    {
        var receiver = new HoldingWebhookReceiver();
        receiver._server = await LoopbackServer.StartAsync((Delegate)receiver.HandleAsync);
        return receiver;
    }

    /// <summary>Each POST to <paramref name="path"/> is held for <paramref name="hold"/>, then answered with the statuses in turn (the last repeats; default 200).</summary>
    public void Respond(string path, TimeSpan hold, params int[] statuses)
    {
        lock (_lock)
        {
            _scripts[Key(path)] = new Script(hold, statuses.Length == 0 ? [200] : statuses);
        }
    }

    /// <summary>Requests to <paramref name="path"/> (held or arriving) are not answered until <see cref="Resume"/>.</summary>
    public void Pause(string path)
    {
        lock (_lock)
        {
            var script = ScriptOf(path);
            if (script.Gate.Task.IsCompleted)
            {
                script.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Lets the held requests of <paramref name="path"/> be answered (once their hold time is over).</summary>
    public void Resume(string path)
    {
        TaskCompletionSource gate;
        lock (_lock)
        {
            gate = ScriptOf(path).Gate;
        }
        gate.TrySetResult();
    }

    /// <summary>Every request so far, in arrival order (copies of the records as they are now).</summary>
    public IReadOnlyList<HeldRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests.Select(r => r with { })];
            }
        }
    }

    public IReadOnlyList<HeldRequest> On(string path) => [.. Requests.Where(r => r.Path == Key(path))];

    /// <summary>Requests arrived and not yet answered (all paths, or one).</summary>
    public int InFlight(string? path = null)
    {
        lock (_lock)
        {
            return path is null ? _inFlightTotal : _inFlight.GetValueOrDefault(Key(path));
        }
    }

    /// <summary>The highest number of requests in flight at once since start (all paths, or one).</summary>
    public int MaxInFlight(string? path = null)
    {
        lock (_lock)
        {
            return path is null ? _maxInFlightTotal : _maxInFlight.GetValueOrDefault(Key(path));
        }
    }

    private static string Key(string path) => "/" + path.TrimStart('/');

    private static TaskCompletionSource Opened()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    private Script ScriptOf(string path)
    {
        if (!_scripts.TryGetValue(Key(path), out var script))
        {
            script = new Script(TimeSpan.Zero, [200]);
            _scripts[Key(path)] = script;
        }
        return script;
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var path = context.Request.Path.Value ?? "/";
        HeldRequest request;
        Script script;
        TaskCompletionSource gate;
        lock (_lock)
        {
            request = new HeldRequest(path, body, context.Request.Headers["Idempotency-Key"], DateTime.UtcNow, ++_seq);
            _requests.Add(request);
            var count = _inFlight[path] = _inFlight.GetValueOrDefault(path) + 1;
            _maxInFlight[path] = Math.Max(_maxInFlight.GetValueOrDefault(path), count);
            _maxInFlightTotal = Math.Max(_maxInFlightTotal, ++_inFlightTotal);
            script = ScriptOf(path);
            gate = script.Gate;
        }

        var status = 499;
        try
        {
            await Task.WhenAll(Task.Delay(script.Hold, context.RequestAborted), gate.Task.WaitAsync(context.RequestAborted));
            status = script.Next();
        }
        catch (OperationCanceledException)
        {
            // The caller gave up (its timeout, or its host stopped): recorded as 499.
        }
        finally
        {
            // Counted as answered before the response is written: the caller cannot see it earlier.
            lock (_lock)
            {
                request.AnsweredAt = DateTime.UtcNow;
                request.AnsweredSeq = ++_seq;
                request.Status = status;
                _inFlight[path]--;
                _inFlightTotal--;
            }
        }
        return Results.Json(new { ok = status is >= 200 and < 300, path, status }, statusCode: status);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            foreach (var script in _scripts.Values)
            {
                script.Gate.TrySetResult();
            }
        }
        await _server.DisposeAsync();
    }
}
