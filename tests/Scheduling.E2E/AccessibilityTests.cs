using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduling.E2E;

/// <summary>
/// axe-core on every page of the app, at a laptop and a phone width: no serious or critical violation.
/// <see cref="Pages"/> is the one list of audited pages; <see cref="AccessibilityLaptopTests.EveryRoutedPage_IsAuditedOrExcludedWithAReason"/>
/// fails when a new @page is neither in it nor in <see cref="NotAudited"/>.
/// </summary>
public abstract class AccessibilityTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private const string SubmitButton = "button[type=submit]:not([name=__passkeySubmit])";

    /// <summary>Who looks at the page: an anonymous visitor or the seeded instance Administrator.</summary>
    public enum Visitor { Anonymous, Admin }

    /// <summary>
    /// A page to audit. <paramref name="Path"/> may hold {schedule} (an active recurring schedule) or {paused}
    /// (a paused one). <paramref name="Route"/> is the @page template it covers (for the coverage check).
    /// <paramref name="Ready"/> waits for the content that matters; <paramref name="Open"/> opens a dialog, menu or
    /// drawer whose state is audited as well (as a second entry named "+ ...").
    /// </summary>
    public sealed record AuditedPage(
        string Name,
        string Path,
        Visitor Visitor,
        string? Route = null,
        Func<IPage, Task>? Ready = null,
        bool Interactive = true);

    /// <summary>A state reached from a page by a click (dialog, menu, drawer), audited after the page itself.</summary>
    public sealed record AuditedState(string Page, string Name, Func<IPage, Task> Open);

    /// <summary>Every page of the app. A new page goes here (or in <see cref="NotAudited"/> with the reason).</summary>
    public static readonly AuditedPage[] Pages =
    [
        // Anonymous: the static Identity pages.
        new("login", "Account/Login", Visitor.Anonymous, "/Account/Login", Interactive: false),
        new("register", "Account/Register", Visitor.Anonymous, "/Account/Register", Interactive: false),
        new("forgot password", "Account/ForgotPassword", Visitor.Anonymous, "/Account/ForgotPassword", Interactive: false),
        new("forgot password sent", "Account/ForgotPasswordConfirmation", Visitor.Anonymous, "/Account/ForgotPasswordConfirmation", Interactive: false),
        new("resend confirmation", "Account/ResendEmailConfirmation", Visitor.Anonymous, "/Account/ResendEmailConfirmation", Interactive: false),
        new("register confirmation", "Account/RegisterConfirmation?email=nobody%40example.com", Visitor.Anonymous, "/Account/RegisterConfirmation", Interactive: false),
        new("reset password (no code)", "Account/ResetPassword", Visitor.Anonymous, "/Account/ResetPassword", Interactive: false),
        new("invalid password reset", "Account/InvalidPasswordReset", Visitor.Anonymous, "/Account/InvalidPasswordReset", Interactive: false),
        new("reset password done", "Account/ResetPasswordConfirmation", Visitor.Anonymous, "/Account/ResetPasswordConfirmation", Interactive: false),
        new("confirm email (no code)", "Account/ConfirmEmail", Visitor.Anonymous, "/Account/ConfirmEmail", Interactive: false),
        new("confirm email change (no code)", "Account/ConfirmEmailChange", Visitor.Anonymous, "/Account/ConfirmEmailChange", Interactive: false),
        new("lockout", "Account/Lockout", Visitor.Anonymous, "/Account/Lockout", Interactive: false),
        new("invalid user", "Account/InvalidUser", Visitor.Anonymous, "/Account/InvalidUser", Interactive: false),
        new("access denied", "Account/AccessDenied", Visitor.Anonymous, "/Account/AccessDenied", Interactive: false),

        // The app, as the seeded Administrator.
        new("dashboard", "", Visitor.Admin, "/", Heading("Dashboard")),
        new("schedules", "schedules", Visitor.Admin, "/schedules", p => Expect(p.GetByTestId("schedule-row").First).ToBeVisibleAsync()),
        new("new schedule", "schedules/new", Visitor.Admin, "/schedules/new", p => Expect(p.GetByTestId("save-schedule")).ToBeVisibleAsync()),
        new("schedule details", "schedules/{schedule}", Visitor.Admin, "/schedules/{Id:guid}", p => Expect(p.GetByTestId("details-name")).ToBeVisibleAsync()),
        new("paused schedule details", "schedules/{paused}", Visitor.Admin, null, p => Expect(p.GetByTestId("pause-note-text")).ToBeVisibleAsync()),
        new("edit schedule", "schedules/{schedule}/edit", Visitor.Admin, "/schedules/{Id:guid}/edit", p => Expect(p.GetByTestId("save-schedule")).ToBeVisibleAsync()),
        new("executions", "executions", Visitor.Admin, "/executions", p => Expect(p.GetByTestId("executions-empty")).ToBeVisibleAsync()),
        // The default view depends on the width: the page settles on the agenda at phone width only after its first
        // interactive render, so audit the view it settles on, not the month grid it is leaving (a mid-switch audit
        // measured the toggle's colours half-way through their transition).
        new("calendar", "calendar", Visitor.Admin, "/calendar", p => p.ViewportSize is { Width: < 600 }
            ? Expect(p.GetByTestId("calendar-agenda")).ToBeVisibleAsync()
            : Expect(p.GetByTestId("calendar-day").First).ToBeVisibleAsync()),
        new("calendar: month", "calendar?view=month", Visitor.Admin, null, p => Expect(p.GetByTestId("calendar-day").First).ToBeVisibleAsync()),
        new("calendar: week", "calendar?view=week", Visitor.Admin, null, p => Expect(p.GetByTestId("calendar-slot").First).ToBeVisibleAsync()),
        new("calendar: work week", "calendar?view=workweek", Visitor.Admin, null, p => Expect(p.GetByTestId("calendar-slot").First).ToBeVisibleAsync()),
        new("calendar: day", "calendar?view=day", Visitor.Admin, null, p => Expect(p.GetByTestId("calendar-slot").First).ToBeVisibleAsync()),
        new("calendar: agenda", "calendar?view=agenda", Visitor.Admin, null, p => Expect(p.GetByTestId("calendar-agenda")).ToBeVisibleAsync()),
        new("calendar: timeline", "calendar?view=timeline", Visitor.Admin, null, p => Expect(p.GetByTestId("calendar-timeline")).ToBeVisibleAsync()),
        new("channels", "channels", Visitor.Admin, "/channels", p => Expect(p.GetByTestId("channel-card").First).ToBeVisibleAsync()),
        new("new channel", "channels/new", Visitor.Admin, "/channels/new", p => Expect(p.GetByTestId("save-channel")).ToBeVisibleAsync()),
        new("channel", "channels/{channel}", Visitor.Admin, "/channels/{Id:guid}", p => Expect(p.GetByTestId("queue-post").First).ToBeVisibleAsync()),
        new("content", "content", Visitor.Admin, "/content", p => Expect(p.GetByTestId("content-row").First).ToBeVisibleAsync()),
        new("planning", "planning", Visitor.Admin, "/planning", p => Expect(p.GetByTestId("planning-fix").First).ToBeVisibleAsync()),
        new("review queue", "reviews", Visitor.Admin, "/reviews", Heading("Review queue")),
        new("waves", "waves", Visitor.Admin, "/waves", p => Expect(p.GetByTestId("wave-card").First).ToBeVisibleAsync()),
        new("new wave", "waves/new", Visitor.Admin, "/waves/new", p => Expect(p.GetByTestId("wave-preview")).ToBeVisibleAsync()),
        new("wave", "waves/{wave}", Visitor.Admin, "/waves/{Id:guid}", p => Expect(p.GetByTestId("wave-item").First).ToBeVisibleAsync()),
        new("series", "series", Visitor.Admin, "/series", p => Expect(p.GetByTestId("series-card").First).ToBeVisibleAsync()),
        new("new series", "series/new", Visitor.Admin, "/series/new", p => Expect(p.GetByTestId("preview-title").First).ToBeVisibleAsync()),
        new("series details", "series/{series}", Visitor.Admin, "/series/{Id:guid}", p => Expect(p.GetByTestId("episode-status").First).ToBeVisibleAsync()),
        new("settings: profile", "settings/profile", Visitor.Admin, "/settings/{Section}", p => Expect(p.GetByRole(AriaRole.Tab, new() { Name = "Profile", Selected = true })).ToBeVisibleAsync()),
        new("settings: workspace", "settings/workspace", Visitor.Admin, "/settings", p => Expect(p.GetByRole(AriaRole.Tab, new() { Name = "Workspace", Selected = true })).ToBeVisibleAsync()),
        new("settings: members", "settings/members", Visitor.Admin, null, p => Expect(p.GetByTestId("pending-invitations")).ToContainTextAsync(InvitedEmail)),
        new("settings: API tokens", "settings/tokens", Visitor.Admin, null, p => Expect(p.GetByTestId("tokens-table")).ToBeVisibleAsync()),
        new("settings: webhooks", "settings/webhooks", Visitor.Admin, null, p => Expect(p.GetByRole(AriaRole.Tab, new() { Name = "Webhooks", Selected = true })).ToBeVisibleAsync()),
        new("settings: events", "settings/events", Visitor.Admin, null, p => Expect(p.GetByTestId("delivery-log")).ToBeVisibleAsync()),
        new("settings: pipelines", "settings/pipelines", Visitor.Admin, null, p => Expect(p.GetByTestId("pipeline-stage").First).ToBeVisibleAsync()),
        // A pending invitation (to another address): the offer naming workspace and role, then refused on Accept (a state).
        new("invitation", "invitations/{invitation}", Visitor.Admin, "/invitations/{Secret}", p => Expect(p.GetByTestId("accept-invitation")).ToBeVisibleAsync()),
        new("invitation (unknown link)", "invitations/not-a-real-secret", Visitor.Admin, null, p => Expect(p.GetByText("This invitation cannot be used")).ToBeVisibleAsync()),
        new("not found (route)", "not-found", Visitor.Admin, "/not-found", Heading("Not found")),
        new("not found (unknown address)", "no-such-page", Visitor.Admin, null, Heading("Not found")),

        // Account management: static pages in the account layout.
        new("manage: profile", "Account/Manage", Visitor.Admin, "/Account/Manage", Interactive: false),
        new("manage: email", "Account/Manage/Email", Visitor.Admin, "/Account/Manage/Email", Interactive: false),
        new("manage: change password", "Account/Manage/ChangePassword", Visitor.Admin, "/Account/Manage/ChangePassword", Interactive: false),
        new("manage: set password", "Account/Manage/SetPassword", Visitor.Admin, "/Account/Manage/SetPassword", Interactive: false),
        new("manage: passkeys", "Account/Manage/Passkeys", Visitor.Admin, "/Account/Manage/Passkeys", Interactive: false),
        new("manage: external logins", "Account/Manage/ExternalLogins", Visitor.Admin, "/Account/Manage/ExternalLogins", Interactive: false),
        new("manage: two-factor", "Account/Manage/TwoFactorAuthentication", Visitor.Admin, "/Account/Manage/TwoFactorAuthentication", Interactive: false),
        new("manage: enable authenticator", "Account/Manage/EnableAuthenticator", Visitor.Admin, "/Account/Manage/EnableAuthenticator", Interactive: false),
        new("manage: reset authenticator", "Account/Manage/ResetAuthenticator", Visitor.Admin, "/Account/Manage/ResetAuthenticator", Interactive: false),
        new("manage: disable 2FA", "Account/Manage/Disable2fa", Visitor.Admin, "/Account/Manage/Disable2fa", Interactive: false),
        new("manage: recovery codes", "Account/Manage/GenerateRecoveryCodes", Visitor.Admin, "/Account/Manage/GenerateRecoveryCodes", Interactive: false),
        new("manage: personal data", "Account/Manage/PersonalData", Visitor.Admin, "/Account/Manage/PersonalData", Interactive: false),
        new("manage: delete personal data", "Account/Manage/DeletePersonalData", Visitor.Admin, "/Account/Manage/DeletePersonalData", Interactive: false),

        // Not Blazor: the API reference (Scalar) and the Hangfire dashboard (Administrators only).
        new("API reference", "api/docs", Visitor.Admin, Ready: p => Expect(p.Locator("h1").First).ToContainTextAsync("Scheduling.Web", new() { Timeout = 30_000 }), Interactive: false),
        new("Hangfire dashboard", "hangfire", Visitor.Admin, Ready: p => Expect(p.Locator("h1")).ToHaveTextAsync("Overview"), Interactive: false),
        new("Hangfire recurring jobs", "hangfire/recurring", Visitor.Admin, Ready: p => Expect(p.Locator("h1")).ToContainTextAsync("Recurring"), Interactive: false),
        new("Hangfire servers", "hangfire/servers", Visitor.Admin, Ready: p => Expect(p.Locator("h1")).ToContainTextAsync("Servers"), Interactive: false),
    ];

    /// <summary>States a click away from a page: menus, dialogs and drawers are audited open too.</summary>
    public static readonly AuditedState[] States =
    [
        new("dashboard", "user menu open", async p =>
        {
            await p.GetByTestId("user-menu-button").ClickAsync();
            await Expect(p.GetByTestId("sign-out")).ToBeVisibleAsync();
        }),
        new("dashboard", "workspace menu open", async p =>
        {
            await p.GetByTestId("workspace-switcher-button").ClickAsync();
            await Expect(p.GetByTestId("workspace-option").First).ToBeVisibleAsync();
        }),
        new("schedules", "row selected (bulk bar)", async p =>
        {
            await p.GetByTestId("schedules-grid").Locator("tbody input[type=checkbox]").First.CheckAsync();
            await Expect(p.GetByTestId("bulk-bar")).ToBeVisibleAsync();
        }),
        new("schedules", "create-many dialog open", async p =>
        {
            await p.GetByTestId("create-many").ClickAsync();
            await Expect(p.GetByTestId("create-many-preview")).ToBeVisibleAsync();
        }),
        new("schedules", "import dialog open", async p =>
        {
            await p.GetByTestId("import-schedules").ClickAsync();
            await Expect(p.GetByTestId("import-sample")).ToBeVisibleAsync();
        }),
        new("schedule details", "pause dialog open", async p =>
        {
            await p.GetByTestId("action-pause").First.ClickAsync();
            await Expect(p.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        }),
        new("schedule details", "backfill dialog open", async p =>
        {
            await p.GetByTestId("backfill").ClickAsync();
            await Expect(p.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        }),
        new("new schedule", "advanced panel open", async p =>
        {
            await p.GetByTestId("advanced-panel").ClickAsync();
            await Expect(p.GetByTestId("advanced-panel").Locator(".mud-expand-panel-content")).ToBeVisibleAsync();
        }),
        new("invitation", "invitation refused", async p =>
        {
            await p.GetByTestId("accept-invitation").ClickAsync();
            await Expect(p.GetByText("This invitation cannot be used")).ToBeVisibleAsync();
        }),
    ];

    /// <summary>Routes not in <see cref="Pages"/>, each with the reason.</summary>
    public static readonly IReadOnlyDictionary<string, string> NotAudited = new Dictionary<string, string>
    {
        ["/Error"] = "the production error page; Development (the test host) shows the developer exception page instead",
        ["/Account/ExternalLogin"] = "no external login provider is configured: the page only redirects to the login form",
        ["/Account/LoginWith2fa"] = "needs a two-factor sign-in in progress; without one it redirects to InvalidUser (audited)",
        ["/Account/LoginWithRecoveryCode"] = "needs a two-factor sign-in in progress; without one it redirects to InvalidUser (audited)",
        ["/Account/Manage/RenamePasskey/{Id}"] = "needs a registered passkey, which a headless browser cannot create; same layout and form as Passkeys",
    };

    /// <summary>A second member of the admin's workspace (the members table then offers a role picker), and one invited.</summary>
    private const string MemberEmail = "a11y-member@example.com";
    private const string InvitedEmail = "a11y-invited@example.com";

    // The secret of the invitation left pending for InvitedEmail (set with the member it goes with).
    private string _pendingInvitationSecret = "not-yet-created";
    private const string MemberPassword = "A11y-Member-Pass-1";

    private static Func<IPage, Task> Heading(string text) => p => Expect(p.GetByRole(AriaRole.Heading, new() { Name = text, Exact = true })).ToBeVisibleAsync();

    protected async Task AssertTheAuditFindsPlantedViolationsAsync()
    {
        await using var context = await app.NewContextAsync(1366, 900);
        var page = await context.NewPageAsync();
        await page.GotoAsync("Account/Lockout");
        Assert.Empty(await Axe.SeriousOrCriticalAsync(page));
        // An image without a text alternative (critical), a nameless button (critical), grey on grey text (serious).
        await page.EvaluateAsync("""
            () => document.querySelector('main').insertAdjacentHTML('beforeend',
              '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="planted-img"><button id="planted-button"></button>' +
              '<p id="planted-text" style="color:#777;background:#888">barely readable</p>')
            """);
        var found = await Axe.SeriousOrCriticalAsync(page);
        Assert.Contains(found, v => v.Rule == "image-alt" && v.Target.Contains("planted-img", StringComparison.Ordinal));
        Assert.Contains(found, v => v.Rule == "button-name" && v.Target.Contains("planted-button", StringComparison.Ordinal));
        Assert.Contains(found, v => v.Rule == "color-contrast" && v.Target.Contains("planted-text", StringComparison.Ordinal));
        // The dark walk's colour-only run sees the colour and nothing else.
        var colours = await Axe.SeriousOrCriticalAsync(page, ColourRules);
        Assert.Equal(["color-contrast"], colours.Select(v => v.Rule).Distinct());
    }

    protected static void AssertEveryRoutedPageIsAuditedOrExcludedWithAReason()
    {
        var routes = typeof(Program).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes(typeof(RouteAttribute), inherit: false).Cast<RouteAttribute>())
            .Select(r => r.Template)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var covered = Pages.Where(p => p.Route is not null).Select(p => p.Route!).Concat(NotAudited.Keys).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var missing = routes.Except(covered, StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        var stale = covered.Except(routes, StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "Pages with no accessibility audit (add them to AccessibilityTests.Pages): " + string.Join(", ", missing));
        Assert.True(stale.Count == 0, "Routes listed in AccessibilityTests that no page has any more: " + string.Join(", ", stale));
        Assert.All(States, s => Assert.Contains(Pages, p => p.Name == s.Page));
    }

    /// <summary>
    /// Every page and state of <see cref="Pages"/> and <see cref="States"/> at one size; in dark mode (the admin's
    /// profile setting) the MudBlazor pages only (the static account pages have no dark mode), with the colour rules.
    /// </summary>
    protected async Task WalkAsync(int width, int height, bool dark)
    {
        var ids = await CreateSchedulesAsync();
        using (var seriesApi = app.CreateSeededApiClient())
        {
            _seriesId = (await PostAsync(seriesApi, "api/v1/schedules/series", new
        {
            name = "Night Tales " + Guid.NewGuid().ToString("N")[..6],
            jobType = "publish",
            template = new { titleTemplate = "{title} #{episode}: {weekday}" },
            episodeCount = 12,
            recurrence = new { frequency = "daily", timesOfDay = new[] { "09:00" } },
            timezone = "America/New_York",
            })).GetProperty("id").GetGuid();
        }
        await AddMemberAndInvitationAsync();
        using var api = app.CreateSeededApiClient();
        await PutDarkModeAsync(api, dark);
        try
        {
            await AuditAllAsync(width, height, dark, ids);
        }
        finally
        {
            await PutDarkModeAsync(api, false);
        }
    }

    private async Task AuditAllAsync(int width, int height, bool dark, (Guid Active, Guid Paused) ids)
    {
        var mode = dark ? $"{width}px dark" : $"{width}px";
        await using var anonymous = await app.NewContextAsync(width, height);
        await using var admin = await app.NewContextAsync(width, height);
        // One tab per visitor, navigated from page to page: a new tab per page costs a renderer process and a fresh
        // parse of the Blazor and MudBlazor scripts each time, which was much of the walk's CPU. Each page is still a
        // fresh document (and circuit), and each state is audited after a fresh load.
        var adminPage = await admin.NewPageAsync();
        var anonymousPage = await anonymous.NewPageAsync();
        var current = "";
        adminPage.PageError += (_, error) => output.WriteLine($"[page error on {current}] {error}");
        anonymousPage.PageError += (_, error) => output.WriteLine($"[page error on {current}] {error}");
        await SignInAsync(adminPage);

        var violations = new List<string>();
        var audited = 0;
        // SCHEDULING_A11Y_ONLY="waves,new wave" audits only those pages (while working on them); CI audits every page.
        var only = Environment.GetEnvironmentVariable("SCHEDULING_A11Y_ONLY")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var entry in Pages.Where(p => (!dark || p.Interactive) && (only is null || only.Contains(p.Name))))
        {
            var page = entry.Visitor == Visitor.Admin ? adminPage : anonymousPage;
            current = entry.Name;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                var path = entry.Path.Replace("{schedule}", ids.Active.ToString()).Replace("{paused}", ids.Paused.ToString()).Replace("{series}", _seriesId.ToString())
                    .Replace("{invitation}", _pendingInvitationSecret).Replace("{channel}", _channelId.ToString()).Replace("{wave}", _waveId.ToString());
                await LoadAsync(page, entry, path);
                var loaded = clock.ElapsedMilliseconds;
                await AuditAsync(page, entry.Name, mode, dark, violations);
                audited++;
                output.WriteLine($"{entry.Name} at {mode}: loaded in {loaded} ms, audited in {clock.ElapsedMilliseconds - loaded} ms");
                await PageShotAsync(page, $"a11y-{Slug(mode)}-{Slug(entry.Name)}");

                foreach (var state in States.Where(s => s.Page == entry.Name))
                {
                    await state.Open(page);
                    var name = $"{entry.Name} + {state.Name}";
                    await AuditAsync(page, name, mode, dark, violations);
                    audited++;
                    await PageShotAsync(page, $"a11y-{Slug(mode)}-{Slug(name)}");
                    // A fresh load for the next state: the previous one may have left a dialog or menu open.
                    await LoadAsync(page, entry, path);
                }
            }
            catch (Exception ex) when (ex is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
            {
                await ShotAsync(page, $"FAILED-a11y-{Slug(mode)}-{Slug(entry.Name)}");
                throw new InvalidOperationException($"Could not audit '{entry.Name}' ({entry.Path}) at {mode}: {ex.Message}", ex);
            }
        }

        output.WriteLine($"{audited} page states audited at {width}x{height}{(dark ? " in dark mode" : "")}.");
        Assert.True(violations.Count == 0,
            $"{violations.Count} serious or critical axe violation(s) at {width}x{height}{(dark ? " in dark mode" : "")}:\n" + string.Join("\n", violations));
    }

    /// <summary>Opens the page and waits for its circuit (interactive pages) and for the content that matters.</summary>
    private static async Task LoadAsync(IPage page, AuditedPage entry, string path)
    {
        await page.GotoAsync(path);
        if (entry.Interactive)
        {
            await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        }
        if (entry.Ready is not null)
        {
            await entry.Ready(page);
        }
        // The title is the head outlet's: on a loaded machine it was once not there yet when axe looked (a static page
        // answering 404). Wait a moment for it; a page that never sets one is then reported by axe itself.
        try
        {
            await page.WaitForFunctionAsync("() => document.title.trim().length > 0", null, new() { Timeout = 5_000 });
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>
    /// The dark walk's rules: the dark theme changes colours only (the DOM, names, roles and landmarks are the laptop
    /// walk's at the same width), so only the rules that read colours can find something new there; running the whole
    /// rule set again cost a third of the walk.
    /// </summary>
    private static readonly string[] ColourRules = ["color-contrast", "link-in-text-block"];

    private async Task AuditAsync(IPage page, string name, string mode, bool coloursOnly, List<string> violations)
    {
        foreach (var violation in await Axe.SeriousOrCriticalAsync(page, coloursOnly ? ColourRules : null))
        {
            var line = $"[{violation.Impact}] {violation.Rule} on '{name}' at {mode}: {violation.Target} — {violation.Html}{(violation.Why.Length > 0 ? " | " + violation.Why : "")}";
            violations.Add(line);
            output.WriteLine(line);
        }
    }

    private Guid _channelId;
    private Guid _waveId;
    private Guid _seriesId;

    private async Task<(Guid Active, Guid Paused)> CreateSchedulesAsync()
    {
        using var http = app.CreateSeededApiClient();
        var active = await PostAsync(http, "api/v1/schedules", new
        {
            name = "Weekly digest " + Guid.NewGuid().ToString("N")[..6],
            description = "Monday and Wednesday digest for subscribers.",
            jobType = "newsletter",
            scheduleType = "recurring",
            timezone = "Europe/Paris",
            priority = "high",
            recurrence = new { frequency = "weekly", byDay = new[] { "MO", "WE" }, timesOfDay = new[] { "09:00" } },
            // A line longer than a phone is wide: the job config block on the details page scrolls sideways.
            jobConfig = new { template = "https://newsletter.example.com/templates/weekly-digest/subscribers-monday-and-wednesday.html?utm_source=scheduling" },
        });
        var paused = await PostAsync(http, "api/v1/schedules", new
        {
            name = "Launch teaser " + Guid.NewGuid().ToString("N")[..6],
            jobType = "thumbnail_generation",
            scheduleType = "once",
            scheduledAt = "2031-06-01T18:30:00",
            timezone = "Europe/Paris",
        });
        var pausedId = paused.GetProperty("id").GetGuid();
        await PostAsync(http, $"api/v1/schedules/{pausedId}/pause", new { note = "Waiting for the trailer" });
        // A channel with a weekly grid and one queued post: its page shows posts and empty slots.
        var channel = await PostAsync(http, "api/v1/channels", new
        {
            name = "Main YouTube " + Guid.NewGuid().ToString("N")[..6],
            platform = "youtube",
            timezone = "Europe/Paris",
            postingTimes = new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" }.Select(d => new { weekday = d, time = "18:00" }),
            minGapMinutes = 60,
        });
        _channelId = channel.GetProperty("id").GetGuid();
        await PostAsync(http, $"api/v1/channels/{_channelId}/queue", new { name = "Queued video" });
        // Off the channel's grid two days from now: the planning page lists it as a conflict, with its Fix button.
        await PostAsync(http, "api/v1/schedules", new
        {
            name = "Off-grid short " + Guid.NewGuid().ToString("N")[..6],
            jobType = "publish",
            scheduleType = "once",
            scheduledAt = DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd'T'10:00:00", System.Globalization.CultureInfo.InvariantCulture),
            timezone = "Europe/Paris",
            channelId = _channelId,
        });
        var launch = await PostAsync(http, "api/v1/content", new { title = "Launch video", tags = new[] { "launch" }, evergreen = new { intervalDays = 30 } });
        // A wave of it on the channel: the waves pages and the timeline's wave band.
        _waveId = (await PostAsync(http, "api/v1/waves", new { contentId = launch.GetProperty("id").GetGuid(), channelIds = new[] { _channelId }, mode = "independent" }))
            .GetProperty("id").GetGuid();
        return (active.GetProperty("id").GetGuid(), pausedId);
    }

    /// <summary>Once per fixture: the member registers, is invited by the admin (API) and accepts in the browser.</summary>
    private async Task AddMemberAndInvitationAsync()
    {
        using var http = app.CreateSeededApiClient();
        using var members = await http.GetAsync("api/v1/workspace/members", TestContext.Current.CancellationToken);
        if ((await members.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Contains(MemberEmail, StringComparison.Ordinal))
        {
            return;
        }
        await using var context = await app.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("Account/Register");
        await page.Locator("[id='Input.Email']").FillAsync(MemberEmail);
        await page.Locator("[id='Input.Password']").FillAsync(MemberPassword);
        await page.Locator("[id='Input.ConfirmPassword']").FillAsync(MemberPassword);
        await page.Locator(SubmitButton).ClickAsync();
        await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        var invitation = await PostAsync(http, "api/v1/workspace/invitations", new { email = MemberEmail, role = "creator" });
        var pending = await PostAsync(http, "api/v1/workspace/invitations", new { email = InvitedEmail, role = "manager" });
        _pendingInvitationSecret = new Uri(pending.GetProperty("acceptUrl").GetString()!).Segments[^1];
        await page.GotoAsync(invitation.GetProperty("acceptUrl").GetString()!);
        await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.GetByTestId("accept-invitation").ClickAsync();
        // Joining makes the workspace the member's current one (the switcher follows).
        await Expect(page.GetByTestId("workspace-switcher-button")).ToContainTextAsync("admin's workspace");
    }

    private static async Task PutDarkModeAsync(HttpClient api, bool dark)
    {
        using var response = await api.PutAsJsonAsync("api/v1/me", new { darkMode = dark }, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"PUT /api/v1/me answered {(int)response.StatusCode}");
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string url, object body)
    {
        using var response = await http.PostAsJsonAsync(url, body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task SignInAsync(IPage page)
    {
        await page.GotoAsync("Account/Login");
        await page.Locator("[id='Input.Email']").FillAsync(AppFixture.SeedAdminEmail);
        await page.Locator("[id='Input.Password']").FillAsync(AppFixture.SeedAdminPassword);
        await page.Locator(SubmitButton).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(app.BaseUrl, "/").ToString());
        await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    /// <summary>
    /// A screenshot of every audited state, to look at the pages at each width: only when SCHEDULING_A11Y_SCREENSHOTS=1.
    /// Some 200 full-page screenshots (tall ones at phone width) cost the 2-core CI machine time where nobody looks at
    /// them; a failed page is always shot.
    /// </summary>
    private async Task PageShotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("SCHEDULING_A11Y_SCREENSHOTS") == "1")
        {
            await ShotAsync(page, name);
        }
    }

    private async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = app.ScreenshotPath(name), FullPage = true, Animations = ScreenshotAnimations.Disabled });

    private static string Slug(string name) =>
        new string(name.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Replace("--", "-").Trim('-');
}

// One class per size, not one theory: xUnit runs the cases of a class one after another, and the walk waits on the
// browser far more than it uses the CPU (a third of two cores when alone). As three classes, each with its own app and
// browser, the sizes run side by side.

/// <summary>The walk at a laptop size, and the check that every routed page is in it.</summary>
public sealed class AccessibilityLaptopTests(AppFixture app, ITestOutputHelper output) : AccessibilityTests(app, output)
{
    [Fact]
    public Task EveryPage_AtLaptopSize_HasNoSeriousOrCriticalAxeViolations() => WalkAsync(1366, 900, dark: false);

    [Fact]
    public void EveryRoutedPage_IsAuditedOrExcludedWithAReason() => AssertEveryRoutedPageIsAuditedOrExcludedWithAReason();

    /// <summary>The walk's axe runner reports what it should: a guard that the audit can fail at all.</summary>
    [Fact]
    public Task TheAuditFindsViolations_PlantedInAPage() => AssertTheAuditFindsPlantedViolationsAsync();
}

/// <summary>The walk at a phone size.</summary>
public sealed class AccessibilityPhoneTests(AppFixture app, ITestOutputHelper output) : AccessibilityTests(app, output)
{
    [Fact]
    public Task EveryPage_AtPhoneSize_HasNoSeriousOrCriticalAxeViolations() => WalkAsync(390, 844, dark: false);
}

/// <summary>The walk in dark mode at a laptop size.</summary>
public sealed class AccessibilityDarkTests(AppFixture app, ITestOutputHelper output) : AccessibilityTests(app, output)
{
    [Fact]
    public Task EveryPage_InDarkMode_HasNoSeriousOrCriticalAxeViolations() => WalkAsync(1366, 900, dark: true);
}
