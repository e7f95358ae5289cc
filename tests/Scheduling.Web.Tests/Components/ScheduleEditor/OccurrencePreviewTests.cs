using Bunit;
using NodaTime;
using Scheduling.Core.Common;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Tests.Components.ScheduleEditor;

/// <summary>The preview alone: rows, clock changes and the viewer's column. "Now" is Friday 1 March 2030, 12:00 UTC.</summary>
public sealed class OccurrencePreviewTests
{
    private static readonly Instant Now = Instant.FromUtc(2030, 3, 1, 12, 0);

    /// <summary>Every Sunday at 09:00 in New York from 3 March 2030; DST starts there on Sunday 10 March 2030.</summary>
    private static ScheduleTiming SundaysInNewYork()
    {
        var set = new RecurrenceSet(RRuleText.Parse("FREQ=WEEKLY;BYDAY=SU").Value!, new LocalDateTime(2030, 3, 3, 9, 0), "America/New_York");
        return new ScheduleTiming(ScheduleType.Recurring, "America/New_York", null, set, null);
    }

    [Fact]
    public async Task Render_RuleAcrossNewYorkDstChange_MarksOnlyTheRunAfterTheChange()
    {
        await using var context = MudBunit.NewContext();

        var cut = Render(context, SundaysInNewYork(), viewerZone: "America/New_York");

        var rows = cut.FindAll("[data-testid=preview-occurrence]");
        Assert.Equal(10, rows.Count);
        Assert.Contains("Sun 3 Mar 2030, 09:00", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("Sun 10 Mar 2030, 09:00", rows[1].TextContent, StringComparison.Ordinal);
        var chip = Assert.Single(cut.FindAll("[data-testid=preview-dst]"));
        Assert.Equal("UTC-04", chip.TextContent.Trim());
        Assert.Same(rows[1], chip.Closest("[data-testid=preview-occurrence]"));
        Assert.Empty(rows[0].QuerySelectorAll("[data-testid=preview-dst]"));
        Assert.Empty(rows[2].QuerySelectorAll("[data-testid=preview-dst]"));
    }

    [Fact]
    public async Task Render_ViewerInAnotherZone_ShowsViewerColumnInTheirTime()
    {
        await using var context = MudBunit.NewContext();

        var cut = Render(context, SundaysInNewYork(), viewerZone: "Europe/Paris");

        var headers = cut.FindAll("th").Select(h => h.TextContent.Trim()).ToList();
        Assert.Equal(["#", "America/New_York", "You (Paris)"], headers);
        var rows = cut.FindAll("[data-testid=preview-occurrence]");
        var first = rows[0].QuerySelectorAll("td");
        Assert.Equal(3, first.Length);
        // 09:00 EST = 14:00 UTC = 15:00 in Paris; after New York's change, 09:00 EDT = 13:00 UTC = 14:00 in Paris.
        Assert.Equal("Sun 3 Mar, 15:00", first[2].TextContent.Trim());
        Assert.Equal("Sun 10 Mar, 14:00", rows[1].QuerySelectorAll("td")[2].TextContent.Trim());
    }

    [Fact]
    public async Task Render_ViewerInScheduleZone_HasNoViewerColumn()
    {
        await using var context = MudBunit.NewContext();

        var cut = Render(context, SundaysInNewYork(), viewerZone: "America/New_York");

        Assert.Equal(["#", "America/New_York"], cut.FindAll("th").Select(h => h.TextContent.Trim()));
        Assert.All(cut.FindAll("[data-testid=preview-occurrence]"), row => Assert.Equal(2, row.QuerySelectorAll("td").Length));
    }

    [Fact]
    public async Task Render_Errors_ListsMessagesAndNoRows()
    {
        await using var context = MudBunit.NewContext();

        var cut = Render(context, null, viewerZone: "Europe/Paris", errors: [new ValidationError("recurrence.cron", "Not a cron.")]);

        Assert.Equal("Not a cron.", cut.Find("[data-testid=preview-errors]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=preview-occurrence]"));
    }

    private static IRenderedComponent<ContainerFragment> Render(BunitContext context, ScheduleTiming? timing, string? viewerZone, IReadOnlyList<ValidationError>? errors = null) =>
        EditorHarness.Render<OccurrencePreview>(context, new Dictionary<string, object?>
        {
            [nameof(OccurrencePreview.Timing)] = timing,
            [nameof(OccurrencePreview.ViewerZone)] = viewerZone,
            [nameof(OccurrencePreview.Now)] = Now,
            [nameof(OccurrencePreview.Errors)] = errors ?? [],
        });
}
