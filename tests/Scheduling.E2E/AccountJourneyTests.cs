using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>Browser journeys through the real app: Identity pages, the MudBlazor shell, settings and the API.</summary>
public sealed class AccountJourneyTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private const string Email = "ada@example.com";
    private const string Password = "Journey-Pass-1";
    private const string PersonalWorkspace = "ada's workspace";
    private const string LaunchTeam = "Launch team";

    /// <summary>The Identity forms' own submit button: the login form also holds a passkey submit button.</summary>
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";

    [Fact]
    public async Task Journey_RegisterSwitchWorkspacesCreateTokenSignOutSignIn_WorksEndToEnd()
    {
        await using var context = await app.NewContextAsync();
        var page = await NewPageAsync(context);
        await RunCapturingFailureAsync(page, nameof(Journey_RegisterSwitchWorkspacesCreateTokenSignOutSignIn_WorksEndToEnd), async () =>
        {
            // Register: the account is signed in at once and lands on the dashboard of its personal workspace.
            await page.GotoAsync("Account/Register");
            await ShotAsync(page, "01-register");
            await page.Locator("[id='Input.Email']").FillAsync(Email);
            await page.Locator("[id='Input.Password']").FillAsync(Password);
            await page.Locator("[id='Input.ConfirmPassword']").FillAsync(Password);
            await page.Locator(SubmitButton).ClickAsync();

            await ExpectDashboardAsync(page, PersonalWorkspace);
            // A second account (the seeded admin is the first) is not an instance Administrator.
            await Expect(NavLink(page, "Hangfire dashboard")).ToHaveCountAsync(0);
            await Expect(NavLink(page, "Schedules")).ToBeVisibleAsync();
            await ShotAsync(page, "02-dashboard");
            await PhoneDashboardShotAsync(context);

            // Settings > Profile, then Workspace by its tab (client-side navigation inside the circuit).
            await page.GotoAsync("settings/profile");
            await WaitForCircuitAsync(page);
            await ShotAsync(page, "03-settings-profile");
            await page.GetByRole(AriaRole.Tab, new() { Name = "Workspace", Exact = true }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/settings/workspace$"));

            // Create "Launch team" with "Switch to it" left on: the app bar follows at once.
            await Expect(page.GetByLabel("Switch to it")).ToBeCheckedAsync();
            await FillMudTextFieldAsync(page, "new-workspace-name", LaunchTeam);
            await page.GetByTestId("create-workspace").ClickAsync();
            await Expect(SwitcherButton(page)).ToContainTextAsync(LaunchTeam);
            await ShotAsync(page, "04-settings-workspace-created");

            await NavLink(page, "Dashboard").ClickAsync();
            await Expect(page.GetByTestId("dashboard-workspace")).ToHaveTextAsync(LaunchTeam);

            // The switcher lists both workspaces; switching re-renders the page in the chosen one.
            await SwitchWorkspaceAsync(page, PersonalWorkspace, expectedOptions: 2, screenshot: "05a-workspace-menu-open");
            await Expect(page.GetByTestId("dashboard-workspace")).ToHaveTextAsync(PersonalWorkspace);
            await SwitchWorkspaceAsync(page, LaunchTeam, expectedOptions: 2);
            await Expect(page.GetByTestId("dashboard-workspace")).ToHaveTextAsync(LaunchTeam);
            await ShotAsync(page, "05-dashboard-launch-team");

            // Members tab: the invite form is offered to an Owner (sending invitations is not part of this journey).
            await page.GotoAsync("settings/members");
            await WaitForCircuitAsync(page);
            await Expect(page.GetByTestId("invite-email")).ToBeVisibleAsync();
            await ShotAsync(page, "06-settings-members");

            // API tokens: create one that expires in 30 days; its value is shown once and the table lists it.
            await page.GetByRole(AriaRole.Tab, new() { Name = "API tokens", Exact = true }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/settings/tokens$"));
            await FillMudTextFieldAsync(page, "token-name", "Render farm");
            await page.GetByTestId("token-expiry").ClickAsync();
            await page.Locator(".mud-popover-open").GetByText("In 30 days").ClickAsync();
            // The pick reaches the server through an awaited handler: a click on Create at once could be handled first
            // and create the token with the default expiry. Wait until the select shows the pick.
            await Expect(page.GetByTestId("token-expiry")).ToHaveTextAsync("In 30 days");
            await page.GetByTestId("create-token").ClickAsync();
            var tokenValue = (await page.GetByTestId("token-value").InnerTextAsync()).Trim();
            Assert.StartsWith("sch_", tokenValue, StringComparison.Ordinal);
            var row = page.GetByTestId("tokens-table").Locator("tbody tr", new() { HasText = "Render farm" });
            await Expect(row).ToHaveCountAsync(1);
            await Expect(row).ToContainTextAsync(tokenValue[..8] + "…");
            var expires = DateTime.UtcNow.AddDays(30).ToString("d MMM yyyy", CultureInfo.InvariantCulture);
            await Expect(row).ToContainTextAsync(expires);
            await ShotAsync(page, "07-settings-token-created");

            // The token acts in the workspace it was created in, even after the browser session moves on.
            await SwitchWorkspaceAsync(page, PersonalWorkspace, expectedOptions: 2);
            await Expect(page.GetByTestId("tokens-table")).ToContainTextAsync("No tokens yet.");
            await AssertMeActsInLaunchTeamAsync(tokenValue);

            // Sign out through the user menu (a form POST), then sign in again with the same credentials.
            await page.GetByTestId("user-menu-button").ClickAsync();
            await page.GetByTestId("sign-out").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
            // The cookie is really gone: the dashboard sends the browser back to the form.
            await page.GotoAsync("/");
            await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
            await ShotAsync(page, "08-login-after-sign-out");

            await page.Locator("[id='Input.Email']").FillAsync(Email);
            await page.Locator("[id='Input.Password']").FillAsync(Password);
            await page.Locator(SubmitButton).ClickAsync();
            // The user's current workspace is remembered across sessions: the last one switched to.
            await ExpectDashboardAsync(page, PersonalWorkspace);
            await ShotAsync(page, "09-dashboard-after-sign-in");
        });
    }

    [Fact]
    public async Task Login_AnonymousVisitorAndWrongPassword_RedirectsAndShowsError()
    {
        await using var context = await app.NewContextAsync();
        var page = await NewPageAsync(context);
        await RunCapturingFailureAsync(page, nameof(Login_AnonymousVisitorAndWrongPassword_RedirectsAndShowsError), async () =>
        {
            await page.GotoAsync("/");
            await Expect(page).ToHaveURLAsync(new Regex("/Account/Login\\?returnUrl=", RegexOptions.IgnoreCase));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
            await ShotAsync(page, "00-login");

            // An existing account (seeded) with the wrong password: an error, and no way past the form.
            await page.Locator("[id='Input.Email']").FillAsync(AppFixture.SeedAdminEmail);
            await page.Locator("[id='Input.Password']").FillAsync("not-the-password-1A!");
            await page.Locator(SubmitButton).ClickAsync();
            await Expect(page.Locator(".alert-danger")).ToContainTextAsync("Invalid login attempt");
            await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
            await ShotAsync(page, "00-login-wrong-password");

            // Still anonymous: the dashboard sends the visitor back to the form.
            await page.GotoAsync("/");
            await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
        });
    }

    [Fact]
    public async Task Login_SeededAdministrator_SeesHangfireLinkAndApiReference()
    {
        await using var context = await app.NewContextAsync();
        var page = await NewPageAsync(context);
        await RunCapturingFailureAsync(page, nameof(Login_SeededAdministrator_SeesHangfireLinkAndApiReference), async () =>
        {
            await page.GotoAsync("Account/Login");
            await page.Locator("[id='Input.Email']").FillAsync(AppFixture.SeedAdminEmail);
            await page.Locator("[id='Input.Password']").FillAsync(AppFixture.SeedAdminPassword);
            await page.Locator(SubmitButton).ClickAsync();

            await ExpectDashboardAsync(page, "admin's workspace");
            // Only instance Administrators get the (non-Blazor) Hangfire dashboard, opened in a new tab.
            var hangfire = NavLink(page, "Hangfire dashboard");
            await Expect(hangfire).ToHaveAttributeAsync("href", "hangfire");
            await Expect(hangfire).ToHaveAttributeAsync("target", "_blank");
            await Expect(NavLink(page, "API reference")).ToBeVisibleAsync();

            // The API reference and the Hangfire dashboard run under their own policy (inline scripts, no eval): not blocked.
            await page.GotoAsync("api/docs");
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await page.GotoAsync("hangfire");
            await Expect(page.GetByText("Scheduling.Web execution").First).ToBeVisibleAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        });
    }

    private readonly List<string> _cspViolations = [];

    private async Task<IPage> NewPageAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        // Browser-side errors go to the test output: they explain a timeout better than the timeout does.
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                output.WriteLine($"[browser {message.Type}] {message.Text}");
            }
            // Chromium reports what the Content-Security-Policy blocked on the console ("Refused to ...").
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (_cspViolations)
                {
                    _cspViolations.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) => output.WriteLine($"[page error] {error}");
        return page;
    }

    private async Task RunCapturingFailureAsync(IPage page, string name, Func<Task> steps)
    {
        try
        {
            await steps();
            // The journeys run under the app's real security headers: nothing they need may be blocked.
            lock (_cspViolations)
            {
                Assert.Empty(_cspViolations);
            }
        }
        catch
        {
            // The page as it was when the step failed is the fastest way to see why.
            await page.ScreenshotAsync(new() { Path = app.ScreenshotPath("FAILED-" + name), FullPage = true });
            await File.WriteAllTextAsync(Path.ChangeExtension(app.ScreenshotPath("FAILED-" + name), ".html"), await page.ContentAsync());
            output.WriteLine($"Failure screenshot: {app.ScreenshotPath("FAILED-" + name)} (URL {page.Url})");
            throw;
        }
    }

    private async Task ExpectDashboardAsync(IPage page, string workspace)
    {
        await Expect(page).ToHaveURLAsync(new Uri(app.BaseUrl, "/").ToString());
        await WaitForCircuitAsync(page);
        await Expect(page.Locator("#dashboard-title")).ToHaveTextAsync("Dashboard");
        await Expect(page.GetByTestId("dashboard-workspace")).ToHaveTextAsync(workspace);
        await Expect(SwitcherButton(page)).ToContainTextAsync(workspace);
    }

    /// <summary>Clicks before the circuit is live are lost: the marker appears only once it is interactive.</summary>
    private static Task WaitForCircuitAsync(IPage page) =>
        page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    /// <summary>A link of the side navigation (the dashboard cards repeat some of them).</summary>
    private static ILocator NavLink(IPage page, string name) =>
        page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    private static ILocator SwitcherButton(IPage page) => page.GetByTestId("workspace-switcher-button");

    /// <summary>
    /// MudTextField passes the test id down to its input (older MudBlazor put it on the wrapper: both match).
    /// It binds on change, so leave the field to commit the value.
    /// </summary>
    private static async Task FillMudTextFieldAsync(IPage page, string testId, string value)
    {
        var input = page.Locator($"input[data-testid='{testId}'], [data-testid='{testId}'] input");
        await input.FillAsync(value);
        await input.BlurAsync();
    }

    private async Task SwitchWorkspaceAsync(IPage page, string workspace, int expectedOptions, string? screenshot = null)
    {
        await SwitcherButton(page).ClickAsync();
        // No options means the menu did not open: MudBlazor 9 custom activators must call the MenuContext.
        var options = page.GetByTestId("workspace-option");
        await Expect(options).ToHaveCountAsync(expectedOptions);
        if (screenshot is not null)
        {
            await ShotAsync(page, screenshot);
        }
        await options.Filter(new() { HasText = workspace }).ClickAsync();
        await Expect(SwitcherButton(page)).ToContainTextAsync(workspace);
    }

    private async Task PhoneDashboardShotAsync(IBrowserContext desktop)
    {
        // Same cookies (same context), a phone-sized viewport: the responsive drawer and app bar must fit.
        var phone = await desktop.NewPageAsync();
        await phone.SetViewportSizeAsync(390, 844);
        await phone.GotoAsync("/");
        await WaitForCircuitAsync(phone);
        await Expect(phone.GetByTestId("dashboard-workspace")).ToHaveTextAsync(PersonalWorkspace);
        await ShotAsync(phone, "02b-dashboard-phone-390x844");
        await phone.CloseAsync();
    }

    private async Task AssertMeActsInLaunchTeamAsync(string token)
    {
        using var http = app.CreateApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET /api/v1/me answered {(int)response.StatusCode}: {body}");

        using var json = JsonDocument.Parse(body);
        var me = json.RootElement;
        Assert.Equal(Email, me.GetProperty("email").GetString());
        Assert.False(me.GetProperty("isAdministrator").GetBoolean());
        var workspaces = me.GetProperty("workspaces").EnumerateArray().ToList();
        Assert.Equal([LaunchTeam, PersonalWorkspace], workspaces.Select(w => w.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        var launch = Assert.Single(workspaces, w => w.GetProperty("name").GetString() == LaunchTeam);
        Assert.Equal(launch.GetProperty("id").GetGuid(), me.GetProperty("currentWorkspaceId").GetGuid());
        Assert.True(launch.GetProperty("isCurrent").GetBoolean());
        Assert.Equal("owner", launch.GetProperty("role").GetString());
        var personal = Assert.Single(workspaces, w => w.GetProperty("name").GetString() == PersonalWorkspace);
        Assert.False(personal.GetProperty("isCurrent").GetBoolean());
    }

    private async Task ShotAsync(IPage page, string name)
    {
        // Finished transitions, not a half-faded menu: the picture shows the state the step reached.
        await page.ScreenshotAsync(new() { Path = app.ScreenshotPath(name), FullPage = true, Animations = ScreenshotAnimations.Disabled });
        output.WriteLine($"Screenshot {name}: {page.Url}");
    }
}
