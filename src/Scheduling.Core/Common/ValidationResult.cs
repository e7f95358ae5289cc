using System.Collections.Immutable;

namespace Scheduling.Core.Common;

/// <summary>The outcome of validating input: valid, or the list of (field, message) problems.</summary>
public sealed class ValidationResult
{
    public static readonly ValidationResult Valid = new([]);

    public ValidationResult(IEnumerable<ValidationError> errors) => Errors = [.. errors];

    public ImmutableArray<ValidationError> Errors { get; }

    public bool IsValid => Errors.IsEmpty;

    /// <summary>Errors grouped by field, the shape ASP.NET's validation problem details expect.</summary>
    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        Errors.GroupBy(e => e.Field, StringComparer.Ordinal)
              .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);

    public override string ToString() => IsValid ? "valid" : string.Join("; ", Errors);
}

/// <summary>A parsed value, or the (field, message) problems that prevented parsing. Parsers never throw on user text.</summary>
public sealed class ParseOutcome<T>
    where T : class
{
    private ParseOutcome(T? value, ImmutableArray<ValidationError> errors)
    {
        Value = value;
        Errors = errors;
    }

    public T? Value { get; }

    public ImmutableArray<ValidationError> Errors { get; }

    public bool IsSuccess => Value is not null;

    public static ParseOutcome<T> Success(T value) => new(value, []);

    public static ParseOutcome<T> Failure(IEnumerable<ValidationError> errors)
    {
        var list = errors.ToImmutableArray();
        if (list.IsEmpty)
        {
            throw new ArgumentException("A failure needs at least one error.", nameof(errors));
        }

        return new(null, list);
    }

    public static ParseOutcome<T> Failure(string field, string message) => Failure([new ValidationError(field, message)]);

    public override string ToString() => IsSuccess ? $"ok: {Value}" : string.Join("; ", Errors);
}
