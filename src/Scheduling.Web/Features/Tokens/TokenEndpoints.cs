using Scheduling.Web.Api;
namespace Scheduling.Web.Features.Tokens;

/// <summary>Without <c>expiresInDays</c> a token lives the default lifetime; <c>neverExpires: true</c> is the explicit "never".</summary>
public sealed record CreateTokenRequest(string? Name, int? ExpiresInDays, bool? NeverExpires);

public static class TokenEndpoints
{
    public static void MapTokenEndpoints(this IEndpointRouteBuilder api)
    {
        var tokens = api.MapGroup("/tokens").WithTags("API tokens");
        tokens.MapGet("", (ApiTokenService service, CancellationToken ct) => service.ListMineAsync(ct))
            .Describe("Tokens_List", "List the caller's tokens", "The caller's tokens in the current workspace with their last use (never their value).");
        tokens.MapPost("", async (CreateTokenRequest body, ApiTokenService service, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(body.Name, body.ExpiresInDays, body.NeverExpires == true, ct);
            return TypedResults.Created($"/api/v1/tokens/{created.Token.Id}", created);
        }).Describe("Tokens_Create", "Create a token", "Create a personal access token (expiresInDays, default 90, or neverExpires: true); its value is in this response only.");
        tokens.MapDelete("/{id:guid}", async (Guid id, ApiTokenService service, CancellationToken ct) =>
        {
            await service.RevokeAsync(id, ct);
            return TypedResults.NoContent();
        }).Describe("Tokens_Revoke", "Revoke a token", "Revoke a token: it is refused (401) from now on.");
    }
}
