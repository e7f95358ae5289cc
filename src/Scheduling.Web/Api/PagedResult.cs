namespace Scheduling.Web.Api;

/// <summary>One page of a list: every list of the API pages on the server.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize);
