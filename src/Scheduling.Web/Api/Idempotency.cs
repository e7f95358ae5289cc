using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Api;

/// <summary>
/// Create endpoints honour an <c>Idempotency-Key</c> header: a retry (a double click, a client that lost the
/// answer) with the same key and body within <see cref="Window"/> gets the first response back instead of
/// creating again; the same key with another request is a 422. Keys belong to one caller in one workspace.
/// A create endpoint opts in with <see cref="WithIdempotency"/>.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter<IdempotencyFilter>().WithMetadata(new IdempotentEndpoint());

    /// <summary>
    /// Keeps the body of keyed requests to idempotent endpoints readable after binding, so the filter can
    /// compare it with the first request's.
    /// </summary>
    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Headers.ContainsKey(Header) && context.GetEndpoint()?.Metadata.GetMetadata<IdempotentEndpoint>() is not null)
        {
            context.Request.EnableBuffering();
        }
        return next(context);
    });

    internal sealed class IdempotentEndpoint;
}

/// <summary>The first response to a keyed create request; <see cref="StatusCode"/> is null while it runs.</summary>
public sealed class IdempotencyRecord : IWorkspaceOwned
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }

    /// <summary>The user the key belongs to (a token acts for its user).</summary>
    public required string CallerId { get; set; }
    public required string Key { get; set; }

    /// <summary>SHA-256 (hex) of method, path and body: what "the same request" means.</summary>
    public required string RequestHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public int? StatusCode { get; set; }
    public string? Location { get; set; }
    public string? ContentType { get; set; }
    public string? ResponseBody { get; set; }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.Property(r => r.CallerId).HasMaxLength(450);
        builder.Property(r => r.Key).HasMaxLength(Idempotency.MaxKeyLength);
        builder.Property(r => r.RequestHash).HasMaxLength(64);
        builder.Property(r => r.Location).HasMaxLength(2000);
        builder.Property(r => r.ContentType).HasMaxLength(200);
        // The race of two requests with one key is decided here: only one insert wins.
        builder.HasIndex(r => new { r.WorkspaceId, r.CallerId, r.Key }).IsUnique();
        builder.HasIndex(r => r.CreatedAt);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(r => r.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class IdempotencyFilter(IDbContextFactory<AppDbContext> contexts, WorkspaceContext current, TimeProvider clock) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(Idempotency.Header, out var values))
        {
            return await next(context);
        }
        var key = values.Count == 1 ? values.ToString().Trim() : "";
        if (key.Length is 0 or > Idempotency.MaxKeyLength)
        {
            throw new RequestValidationException(Idempotency.Header, $"The {Idempotency.Header} header is one value of 1 to {Idempotency.MaxKeyLength} characters.");
        }
        var workspaceId = current.RequireWorkspace();
        var caller = current.RequireUser();
        var hash = await HashAsync(http.Request);
        var ct = http.RequestAborted;

        var (record, replay) = await ClaimAsync(workspaceId, caller, key, hash, ct);
        if (replay is not null)
        {
            return replay;
        }
        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            // Nothing was created (or it failed half-way and rolled back): the same key may try again.
            await ForgetAsync(record!.Id);
            throw;
        }
        return new RecordingResult(result, record!.Id, contexts);
    }

    /// <summary>Inserts the key (first request) or finds the earlier request's record (replay, 409 or 422).</summary>
    private async Task<(IdempotencyRecord? Record, IResult? Replay)> ClaimAsync(Guid workspaceId, string caller, string key, string hash, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var cutoff = clock.GetUtcNow().UtcDateTime - Idempotency.Window;
        // Pruning here keeps the table to a day of keys without a job of its own.
        await db.IdempotencyRecords.IgnoreQueryFilters().Where(r => r.CreatedAt < cutoff).ExecuteDeleteAsync(ct);

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var existing = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.CallerId == caller && r.Key == key, ct);
            if (existing is not null)
            {
                return (null, Replay(existing, hash));
            }
            var record = new IdempotencyRecord
            {
                Id = Guid.CreateVersion7(),
                WorkspaceId = workspaceId,
                CallerId = caller,
                Key = key,
                RequestHash = hash,
                CreatedAt = clock.GetUtcNow().UtcDateTime,
            };
            db.IdempotencyRecords.Add(record);
            try
            {
                await db.SaveChangesAsync(ct);
                return (record, null);
            }
            catch (DbUpdateException)
            {
                // A concurrent request with the same key inserted first (unique index): read what it holds.
                db.ChangeTracker.Clear();
            }
        }
        throw new ConflictException($"Another request with this {Idempotency.Header} is being processed: try again in a moment.");
    }

    private static IResult Replay(IdempotencyRecord existing, string hash)
    {
        if (existing.RequestHash != hash)
        {
            throw new UnprocessableException(
                $"This {Idempotency.Header} was already used for a different request (another body or endpoint). Use a new key for a new request.");
        }
        if (existing.StatusCode is not { } status)
        {
            throw new ConflictException($"The first request with this {Idempotency.Header} is still being processed: try again in a moment.");
        }
        return new ReplayResult(status, existing.Location, existing.ContentType, existing.ResponseBody);
    }

    private async Task ForgetAsync(Guid id)
    {
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.IdempotencyRecords.Where(r => r.Id == id).ExecuteDeleteAsync(CancellationToken.None);
    }

    private static async Task<string> HashAsync(HttpRequest request)
    {
        if (!request.Body.CanSeek)
        {
            throw new InvalidOperationException($"The body of a keyed request was not buffered: call app.{nameof(Idempotency.UseIdempotencyKeys)}() in Program.cs.");
        }
        request.Body.Position = 0;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        var buffer = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
        {
            sha.AppendData(buffer, 0, read);
        }
        request.Body.Position = 0;
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    /// <summary>Writes the endpoint's result as usual, keeping a copy of what was sent for the replays.</summary>
    private sealed class RecordingResult(object? inner, Guid recordId, IDbContextFactory<AppDbContext> contexts) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            var original = response.Body;
            using var copy = new MemoryStream();
            response.Body = copy;
            try
            {
                var result = inner as IResult ?? (inner is null ? TypedResults.Ok() : TypedResults.Ok(inner));
                await result.ExecuteAsync(httpContext);
            }
            catch
            {
                response.Body = original;
                await ForgetAsync();
                throw;
            }
            response.Body = original;
            copy.Position = 0;
            await copy.CopyToAsync(original, httpContext.RequestAborted);

            if (response.StatusCode >= 500)
            {
                await ForgetAsync();
                return;
            }
            await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
            var body = System.Text.Encoding.UTF8.GetString(copy.ToArray());
            var location = response.Headers.Location.ToString();
            var contentType = response.ContentType;
            await db.IdempotencyRecords.Where(r => r.Id == recordId).ExecuteUpdateAsync(update => update
                .SetProperty(r => r.StatusCode, response.StatusCode)
                .SetProperty(r => r.Location, location.Length == 0 ? null : location)
                .SetProperty(r => r.ContentType, contentType)
                .SetProperty(r => r.ResponseBody, body), CancellationToken.None);
        }

        private async Task ForgetAsync()
        {
            await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
            await db.IdempotencyRecords.Where(r => r.Id == recordId).ExecuteDeleteAsync(CancellationToken.None);
        }
    }

    private sealed class ReplayResult(int status, string? location, string? contentType, string? body) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.Headers[Idempotency.ReplayedHeader] = "true";
            if (location is not null)
            {
                response.Headers.Location = location;
            }
            if (contentType is not null)
            {
                response.ContentType = contentType;
            }
            if (!string.IsNullOrEmpty(body))
            {
                await response.WriteAsync(body, httpContext.RequestAborted);
            }
        }
    }
}
