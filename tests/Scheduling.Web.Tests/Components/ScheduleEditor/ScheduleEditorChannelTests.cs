using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Scheduling.Core.Channels;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Channels;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Tests.Components.ScheduleEditor;

/// <summary>
/// The editor's channel picker and the channel's rules shown before saving (clock: Friday 1 March 2030, 12:00 UTC;
/// viewer and channels in Paris): block-mode conflicts keep the form with the reason, warn-mode warnings wait for "Save anyway".
/// </summary>
public sealed class ScheduleEditorChannelTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static readonly PostingTimeInput[] WeekdayMornings =
        [.. new[] { "monday", "tuesday", "wednesday", "thursday", "friday" }.Select(d => new PostingTimeInput(d, "09:00"))];

    private static ChannelInput Channel(string name, ConflictMode mode, params string[] blackouts) => new()
    {
        Name = name,
        Platform = ChannelPlatform.Blog,
        Timezone = "Europe/Paris",
        PostingTimes = WeekdayMornings,
        BlackoutDates = blackouts,
        ConflictMode = mode,
    };

    private static void Save(IRenderedComponent<ContainerFragment> cut) =>
        cut.Find("button[data-testid=save-schedule], [data-testid=save-schedule] button").Click();

    [Fact]
    public async Task EditOnABlockingChannel_ShowsTheConflictBeforeSaving_AndKeepsTheForm()
    {
        await using var app = await EditorHarness.CreateAsync();
        var channels = app.Context.Services.GetRequiredService<ChannelService>();
        var blog = await channels.CreateAsync(Channel("Blog", ConflictMode.Block), Ct);
        var launch = await app.Schedules.CreateAsync(new ScheduleInput
        {
            Name = "Launch post",
            JobType = JobType.Publish,
            ScheduleType = ScheduleType.Once,
            ScheduledAt = "2030-03-05T09:00:00",
            Timezone = "Europe/Paris",
            ChannelId = blog.Id,
        }, Ct);
        // Since then the channel made that Tuesday a blackout date.
        await channels.UpdateAsync(blog.Id, Channel("Blog", ConflictMode.Block, "2030-03-05"), Ct);
        var cut = app.Render<ScheduleEditorPage>(new Dictionary<string, object?> { [nameof(ScheduleEditorPage.Id)] = launch.Id });
        cut.WaitForElement("[data-testid=schedule-preview]");
        Assert.Contains("Blog", cut.Find("[data-testid=schedule-channel] input, input[data-testid=schedule-channel]").GetAttribute("value") ?? "", StringComparison.Ordinal);
        var before = app.Navigation.Uri;

        cut.Find("[data-testid=schedule-name] input, input[data-testid=schedule-name]").Change("Launch post, final");
        Save(cut);

        cut.WaitForAssertion(() => Assert.Contains("2030-03-05 is a blackout date of the channel.", cut.Find("[data-testid=channel-conflicts]").TextContent, StringComparison.Ordinal));
        Assert.Contains("Channel 'Blog' would refuse this schedule", cut.Find("[data-testid=channel-conflicts]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=save-anyway]"));
        Assert.Equal(before, app.Navigation.Uri);
        var stored = await app.Schedules.GetAsync(launch.Id, Ct);
        Assert.Equal(("Launch post", launch.Version), (stored.Name, stored.Version));
        Assert.Equal("Launch post, final", cut.Find("[data-testid=schedule-name] input, input[data-testid=schedule-name]").GetAttribute("value"));
    }

    [Fact]
    public async Task NewOnAWarningChannel_PickedInTheEditor_WarnsFirst_ThenSaveAnywaySavesOnTheChannel()
    {
        await using var app = await EditorHarness.CreateAsync();
        var letter = await app.Context.Services.GetRequiredService<ChannelService>().CreateAsync(Channel("Letter", ConflictMode.Warn), Ct);
        var cut = app.Render<ScheduleEditorPage>();
        cut.WaitForElement("[data-testid=schedule-preview]");
        cut.Find("[data-testid=schedule-name] input, input[data-testid=schedule-name]").Change("Weekend letter");

        // The default form is weekly on Saturday at 09:00: not one of the channel's weekday posting times.
        var picker = cut.FindComponents<MudSelect<Guid?>>().Single();
        await cut.InvokeAsync(() => picker.Instance.ValueChanged.InvokeAsync(letter.Id));
        Save(cut);

        cut.WaitForAssertion(() => Assert.Contains("is not one of the channel's posting times", cut.Find("[data-testid=channel-warnings]").TextContent, StringComparison.Ordinal));
        Assert.Equal(0, (await app.Schedules.ListAsync(new ScheduleQuery(), Ct)).Total);

        cut.Find("button[data-testid=save-anyway], [data-testid=save-anyway] button").Click();

        cut.WaitForAssertion(() => Assert.Equal(1, app.Schedules.ListAsync(new ScheduleQuery(), Ct).GetAwaiter().GetResult().Total));
        var saved = Assert.Single((await app.Schedules.ListAsync(new ScheduleQuery(), Ct)).Items);
        Assert.Equal(("Weekend letter", letter.Id), (saved.Name, saved.ChannelId));
        cut.WaitForAssertion(() => Assert.Equal($"http://localhost/schedules/{saved.Id}", app.Navigation.Uri));
    }
}
