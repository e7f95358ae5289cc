namespace Scheduling.Web.Features.Tokens;

/// <summary>Without <c>expiresInDays</c> a token lives the default lifetime; <c>neverExpires: true</c> is the explicit "never".</summary>
public sealed record CreateTokenRequest(string? Name, int? ExpiresInDays, bool? NeverExpires);

public static class TokenEndpoints
{
    public static void MapTokenEndpoints(this IEndpointRouteBuilder api)
    {
        var tokens = api.MapGroup("/tokens").WithTags("API tokens");
        tokens.MapGet("", (ApiTokenService service, CancellationToken ct) => service.ListMineAsync(ct))
            .WithSummary("The caller's tokens in the current workspace.");
        tokens.MapPost("", async (CreateTokenRequest body, ApiTokenService service, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(body.Name, body.ExpiresInDays, body.NeverExpires == true, ct);
            return TypedResults.Created($"/api/v1/tokens/{created.Token.Id}", created);
        }).WithSummary("Create a token; its value is in this response only.");
        tokens.MapDelete("/{id:guid}", async (Guid id, ApiTokenService service, CancellationToken ct) =>
        {
            await service.RevokeAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Revoke a token.");
    }
}
