namespace Scheduling.Web.Api;

/// <summary>
/// A failure a user can cause and fix. Services throw these; the API turns them into problem details
/// and the UI shows <see cref="Exception.Message"/>. Anything else is a bug (500).
/// </summary>
public abstract class AppException(string message) : Exception(message)
{
    public abstract int StatusCode { get; }
    public abstract string Title { get; }

    /// <summary>More members of the problem details (a bulk request's per-item results), beside title and detail.</summary>
    public virtual IReadOnlyDictionary<string, object?>? Extensions => null;
}

public sealed class NotFoundException(string what) : AppException($"{what} was not found.")
{
    public override int StatusCode => StatusCodes.Status404NotFound;
    public override string Title => "Not found";
}

public sealed class ForbiddenException(string message) : AppException(message)
{
    public override int StatusCode => StatusCodes.Status403Forbidden;
    public override string Title => "Forbidden";
}

public sealed class ConflictException(string message) : AppException(message)
{
    public override int StatusCode => StatusCodes.Status409Conflict;
    public override string Title => "Conflict";
}

/// <summary>A change made from a version of a record that someone else has changed since (409).</summary>
public sealed class StaleVersionException(string message) : AppException(message)
{
    public override int StatusCode => StatusCodes.Status409Conflict;
    public override string Title => "Changed by someone else";
}

/// <summary>A conditional request (If-Match) whose condition no longer holds.</summary>
public sealed class PreconditionFailedException(string message) : AppException(message)
{
    public override int StatusCode => StatusCodes.Status412PreconditionFailed;
    public override string Title => "Precondition failed";
}

/// <summary>Well-formed but cannot be processed as asked (an idempotency key reused for another request).</summary>
public sealed class UnprocessableException(string message) : AppException(message)
{
    public override int StatusCode => StatusCodes.Status422UnprocessableEntity;
    public override string Title => "Unprocessable request";
}

/// <summary>Bad input: each error names the field (camelCase, as the API spells it).</summary>
public class RequestValidationException(IReadOnlyDictionary<string, string[]> errors)
    : AppException(string.Join(" ", errors.SelectMany(e => e.Value)))
{
    public RequestValidationException(string field, string message)
        : this(new Dictionary<string, string[]> { [field] = [message] })
    {
    }

    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
    public override int StatusCode => StatusCodes.Status400BadRequest;
    public override string Title => "One or more fields are invalid";
}
