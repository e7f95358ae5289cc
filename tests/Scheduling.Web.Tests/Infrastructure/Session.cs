using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Scheduling.Web.Tests.Infrastructure;

/// <summary>Drives the static Identity pages the way a browser posts their forms.</summary>
public static partial class Session
{
    public const string Password = "Sched!ule-2026";

    /// <summary>Registers through /Account/Register; the client keeps the session cookie.</summary>
    public static async Task<HttpClient> RegisterAsync(AppFactory app, string email, string password = Password)
    {
        var client = app.CreateBrowserLikeClient();
        var response = await PostFormAsync(client, "/Account/Register", "register", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Registration of {email} did not redirect: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return client;
    }

    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string password = Password) =>
        await PostFormAsync(client, "/Account/Login", "login", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });

    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, string formName, Dictionary<string, string> fields)
    {
        var page = await client.GetStringAsync(path);
        var token = AntiforgeryField().Match(page);
        Assert.True(token.Success, $"No antiforgery token on {path}");
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value);
        fields["_handler"] = formName;
        return await client.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    /// <summary>Creates a token through the API with the client's session and returns its value.</summary>
    public static async Task<string> CreateTokenAsync(HttpClient client, string name = "test")
    {
        var response = await client.PostAsJsonAsync("/api/v1/tokens", new { name });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return created.GetProperty("value").GetString()!;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
