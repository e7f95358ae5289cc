namespace Scheduling.Core.Common;

/// <summary>One problem with user input: the field it belongs to and a sentence a person can act on.</summary>
/// <param name="Field">The input field, camelCase as on the wire (e.g. <c>interval</c>, <c>rrule</c>, <c>cron</c>).</param>
/// <param name="Message">What is wrong, naming the offending value where that helps.</param>
public sealed record ValidationError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
