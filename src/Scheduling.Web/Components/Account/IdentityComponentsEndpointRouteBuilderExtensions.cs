using Scheduling.Web.Api;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using Scheduling.Web.Components.Account.Pages;
using Scheduling.Web.Components.Account.Pages.Manage;
using Scheduling.Web.Data;

namespace Microsoft.AspNetCore.Routing;

internal static class IdentityComponentsEndpointRouteBuilderExtensions
{
    // These endpoints are required by the Identity Razor components defined in the /Components/Account/Pages directory of this project.
    public static IEndpointConventionBuilder MapAdditionalIdentityEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        var accountGroup = endpoints.MapGroup("/Account").WithTags("Account");

        // The three form posts below are handed over as Delegate values on purpose: the compile-time request delegate
        // generator only rewrites lambdas written at the Map call, and for [FromForm] strings it describes the body as
        // nameless strings in the OpenAPI document. The runtime factory names the fields (provider, returnUrl).
        Delegate performExternalLogin = (
            HttpContext context,
            [FromServices] SignInManager<ApplicationUser> signInManager,
            [FromForm] string provider,
            [FromForm] string returnUrl) =>
        {
            IEnumerable<KeyValuePair<string, StringValues>> query = [
                new("ReturnUrl", returnUrl),
                new("Action", ExternalLogin.LoginCallbackAction)];

            var redirectUrl = UriHelper.BuildRelative(
                context.Request.PathBase,
                "/Account/ExternalLogin",
                QueryString.Create(query));

            var properties = signInManager.ConfigureExternalAuthenticationProperties(provider, redirectUrl);
            return TypedResults.Challenge(properties, [provider]);
        };
#pragma warning disable RDG002 // left to the runtime factory on purpose (above)
        accountGroup.MapPost("/PerformExternalLogin", performExternalLogin).Describe("Account_PerformExternalLogin", "Start an external sign-in", "Browser form post of the sign-in page: challenges the chosen external provider.");
#pragma warning restore RDG002

        Delegate logout = async (
            ClaimsPrincipal user,
            [FromServices] SignInManager<ApplicationUser> signInManager,
            [FromForm] string returnUrl) =>
        {
            await signInManager.SignOutAsync();
            // LocalRedirect throws (a 500) on a foreign URL: anything not local goes home.
            var local = returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) ? returnUrl[1..] : returnUrl;
            return TypedResults.LocalRedirect(Scheduling.Web.Components.Account.IdentityRedirectManager.IsLocalPath(local) ? $"~/{local}" : "~/");
        };
#pragma warning disable RDG002 // left to the runtime factory on purpose (above)
        accountGroup.MapPost("/Logout", logout).Describe("Account_Logout", "Sign out", "Browser form post: signs the cookie out and redirects to a local returnUrl.");
#pragma warning restore RDG002

        accountGroup.MapPost("/PasskeyCreationOptions", async (
            HttpContext context,
            [FromServices] UserManager<ApplicationUser> userManager,
            [FromServices] SignInManager<ApplicationUser> signInManager,
            [FromServices] IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return MissingAntiforgeryToken();
            }

            var user = await userManager.GetUserAsync(context.User);
            if (user is null)
            {
                return Results.NotFound($"Unable to load user with ID '{userManager.GetUserId(context.User)}'.");
            }

            var userId = await userManager.GetUserIdAsync(user);
            var userName = await userManager.GetUserNameAsync(user) ?? "User";
            var optionsJson = await signInManager.MakePasskeyCreationOptionsAsync(new()
            {
                Id = userId,
                Name = userName,
                DisplayName = userName
            });
            return TypedResults.Content(optionsJson, contentType: "application/json");
        }).Describe("Account_PasskeyCreationOptions", "Get passkey creation options", "Browser only (antiforgery token): WebAuthn options to register a passkey.", 400);

        accountGroup.MapPost("/PasskeyRequestOptions", async (
            HttpContext context,
            [FromServices] UserManager<ApplicationUser> userManager,
            [FromServices] SignInManager<ApplicationUser> signInManager,
            [FromServices] IAntiforgery antiforgery,
            [FromQuery] string? username) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return MissingAntiforgeryToken();
            }

            var user = string.IsNullOrEmpty(username) ? null : await userManager.FindByNameAsync(username);
            var optionsJson = await signInManager.MakePasskeyRequestOptionsAsync(user);
            return TypedResults.Content(optionsJson, contentType: "application/json");
        }).Describe("Account_PasskeyRequestOptions", "Get passkey request options", "Browser only (antiforgery token): WebAuthn options to sign in with a passkey.");

        var manageGroup = accountGroup.MapGroup("/Manage").RequireAuthorization();

        Delegate linkExternalLogin = async (
            HttpContext context,
            [FromServices] SignInManager<ApplicationUser> signInManager,
            [FromForm] string provider) =>
        {
            // Clear the existing external cookie to ensure a clean login process
            await context.SignOutAsync(IdentityConstants.ExternalScheme);

            var redirectUrl = UriHelper.BuildRelative(
                context.Request.PathBase,
                "/Account/Manage/ExternalLogins",
                QueryString.Create("Action", ExternalLogins.LinkLoginCallbackAction));

            var properties = signInManager.ConfigureExternalAuthenticationProperties(provider, redirectUrl, signInManager.UserManager.GetUserId(context.User));
            return TypedResults.Challenge(properties, [provider]);
        };
#pragma warning disable RDG002 // left to the runtime factory on purpose (above)
        manageGroup.MapPost("/LinkExternalLogin", linkExternalLogin).Describe("Account_LinkExternalLogin", "Link an external sign-in", "Browser form post of the signed-in user's account page.");
#pragma warning restore RDG002

        var loggerFactory = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>();
        var downloadLogger = loggerFactory.CreateLogger("DownloadPersonalData");

        manageGroup.MapPost("/DownloadPersonalData", async (
            HttpContext context,
            [FromServices] UserManager<ApplicationUser> userManager,
            [FromServices] AuthenticationStateProvider authenticationStateProvider) =>
        {
            var user = await userManager.GetUserAsync(context.User);
            if (user is null)
            {
                return Results.NotFound($"Unable to load user with ID '{userManager.GetUserId(context.User)}'.");
            }

            var userId = await userManager.GetUserIdAsync(user);
            downloadLogger.LogInformation("User with ID '{UserId}' asked for their personal data.", userId);

            // Only include personal data for download
            var personalData = new Dictionary<string, string>();
            var personalDataProps = typeof(ApplicationUser).GetProperties().Where(
                prop => Attribute.IsDefined(prop, typeof(PersonalDataAttribute)));
            foreach (var p in personalDataProps)
            {
                personalData.Add(p.Name, p.GetValue(user)?.ToString() ?? "null");
            }

            var logins = await userManager.GetLoginsAsync(user);
            foreach (var l in logins)
            {
                personalData.Add($"{l.LoginProvider} external login provider key", l.ProviderKey);
            }

            personalData.Add("Authenticator Key", (await userManager.GetAuthenticatorKeyAsync(user))!);
            var fileBytes = JsonSerializer.SerializeToUtf8Bytes(personalData);

            context.Response.Headers.TryAdd("Content-Disposition", "attachment; filename=PersonalData.json");
            return TypedResults.File(fileBytes, contentType: "application/json", fileDownloadName: "PersonalData.json");
        }).Describe("Account_DownloadPersonalData", "Download personal data", "Browser form post of the signed-in user's account page: their personal data as JSON.");

        return accountGroup;
    }

    // A post without the page's antiforgery token is the caller's fault, not a server error.
    private static IResult MissingAntiforgeryToken() => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "Bad request",
        detail: "The antiforgery token is missing or invalid: reload the page and try again.");
}
