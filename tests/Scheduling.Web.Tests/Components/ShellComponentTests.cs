using Bunit;
using Microsoft.AspNetCore.Components;
using Scheduling.Web.Components.Layout;
using Scheduling.Web.Components.Shared;

namespace Scheduling.Web.Tests.Components;

/// <summary>The parameter-only shell components: navigation, placeholders and the circuit marker.</summary>
public sealed class ShellComponentTests : IAsyncDisposable
{
    private static readonly string[] SectionLinks = ["", "schedules", "calendar", "series", "waves", "channels", "content", "planning", "executions", "reviews", "settings", "api/docs"];

    private readonly BunitContext _context = MudBunit.NewContext();

    [Fact]
    public async Task NavMenu_ForMember_ListsEverySectionWithoutHangfire()
    {
        // The menu counts the review queue: it needs the app's services (a migrated database).
        var (root, context, _) = await AppTestHost.CreateAsync("shell", new DateTimeOffset(2030, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var cleanup = new TempFolder(root);
        await using var disposeContext = context;
        var cut = context.Render<NavMenu>(p => p.Add(m => m.IsAdministrator, false));

        var hrefs = cut.FindAll("a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Equal(SectionLinks, hrefs);
        Assert.DoesNotContain("Hangfire", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NavMenu_ForAdministrator_AddsHangfireLinkInNewTab()
    {
        // The menu counts the review queue: it needs the app's services (a migrated database).
        var (root, context, _) = await AppTestHost.CreateAsync("shell", new DateTimeOffset(2030, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var cleanup = new TempFolder(root);
        await using var disposeContext = context;
        var cut = context.Render<NavMenu>(p => p.Add(m => m.IsAdministrator, true));

        var hangfire = Assert.Single(cut.FindAll("a"), a => a.GetAttribute("href") == "hangfire");
        Assert.Contains("Hangfire dashboard", hangfire.TextContent, StringComparison.Ordinal);
        // The dashboard is not a Blazor page: it must open as a full page load, here in a new tab.
        Assert.Equal("_blank", hangfire.GetAttribute("target"));
        Assert.Equal(SectionLinks.Length + 1, cut.FindAll("a").Count);
    }

    [Fact]
    public async Task NavMenu_LinkLabels_NameEachSection()
    {
        // The menu counts the review queue: it needs the app's services (a migrated database).
        var (root, context, _) = await AppTestHost.CreateAsync("shell", new DateTimeOffset(2030, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var cleanup = new TempFolder(root);
        await using var disposeContext = context;
        var cut = context.Render<NavMenu>(p => p.Add(m => m.IsAdministrator, false));

        var labels = cut.FindAll("a").Select(a => a.TextContent.Trim()).ToList();
        Assert.Equal(["Dashboard", "Schedules", "Calendar", "Series", "Waves", "Channels", "Content", "Planning", "Executions", "Review queue", "Settings", "API reference"], labels);
    }

    [Fact]
    public void ComingSoon_WithTitleAndDescription_RendersBoth()
    {
        var cut = _context.Render<ComingSoon>(p => p
            .Add(c => c.Title, "Calendar")
            .Add(c => c.Description, "A month view of every planned run."));

        Assert.Equal("Calendar is coming soon", cut.Find("h6").TextContent.Trim());
        Assert.Contains("A month view of every planned run.", cut.Find("p").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void ComingSoon_WithCustomIcon_RendersThatIcon()
    {
        const string path = "<path d=\"M1 2h3\"/>";
        var cut = _context.Render<ComingSoon>(p => p
            .Add(c => c.Title, "Series")
            .Add(c => c.Description, "Episodes.")
            .Add(c => c.Icon, path));

        Assert.Contains("M1 2h3", cut.Find("svg").InnerHtml, StringComparison.Ordinal);
    }

    [Fact]
    public void CircuitReady_WhenInteractive_RendersHiddenMarker()
    {
        _context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        var cut = _context.Render<CircuitReady>();

        var marker = cut.Find("#circuit-ready");
        Assert.Equal("circuit-ready", marker.GetAttribute("data-testid"));
        Assert.True(marker.HasAttribute("hidden"));
    }

    [Fact]
    public void CircuitReady_WhenStaticallyRendered_RendersNothing()
    {
        // Prerendering (and static SSR) must not show the marker, or browser tests would click too early.
        _context.SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        var cut = _context.Render<CircuitReady>();

        Assert.Empty(cut.FindAll("#circuit-ready"));
        Assert.Equal("", cut.Markup.Trim());
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    private sealed class TempFolder(string path) : IDisposable
    {
        public void Dispose()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }
}
