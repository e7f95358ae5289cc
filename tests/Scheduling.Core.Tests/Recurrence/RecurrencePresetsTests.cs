using NodaTime;
using Scheduling.Core.Recurrence;
using static Scheduling.Core.Tests.TestSupport;

namespace Scheduling.Core.Tests.Recurrence;

public class RecurrencePresetsTests
{
    [Theory]
    [InlineData("daily_9am", "Every day at 09:00", "2026-01-05T09:00:00", "2026-01-06T09:00:00")]
    [InlineData("weekdays_6pm", "Every weekday at 18:00", "2026-01-05T18:00:00", "2026-01-06T18:00:00")]
    [InlineData("weekly_monday", "Every week on Monday at 10:00", "2026-01-05T10:00:00", "2026-01-12T10:00:00")]
    [InlineData("twice_weekly", "Every week on Monday and Thursday at 09:00", "2026-01-05T09:00:00", "2026-01-08T09:00:00")]
    [InlineData("first_of_month", "Every month on the 1st at 12:00", "2026-02-01T12:00:00", "2026-03-01T12:00:00")]
    [InlineData("every_2_weeks", "Every 2 weeks on Monday at 09:00", "2026-01-05T09:00:00", "2026-01-19T09:00:00")]
    [InlineData("last_friday", "Every month on the last Friday at 18:00", "2026-01-30T18:00:00", "2026-02-27T18:00:00")]
    [InlineData("last_weekday", "Every month on the last weekday at 17:00", "2026-01-30T17:00:00", "2026-02-27T17:00:00")]
    [InlineData("quarterly", "Every year in January, April, July and October on the 1st at 09:00", "2026-04-01T09:00:00", "2026-07-01T09:00:00")]
    public void Preset_FromMondayJan5_DescribesAndExpands(string key, string description, string first, string second)
    {
        var preset = RecurrencePresets.Get(key);
        var set = preset.ToSet(new LocalDate(2026, 1, 5), "Europe/London");

        Assert.Equal(description, preset.Describe());
        Assert.Equal([first, second], Locals(set.Occurrences().Take(2)));
    }

    [Fact]
    public void All_Presets_HaveUniqueKeysNamesAndValidRules()
    {
        Assert.Equal(9, RecurrencePresets.All.Count);
        Assert.Equal(RecurrencePresets.All.Count, RecurrencePresets.All.Select(p => p.Key).Distinct().Count());
        Assert.All(RecurrencePresets.All, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.DisplayName));
            Assert.True(RecurrenceValidator.ValidateRule(p.Rule).IsValid);
        });
    }

    [Fact]
    public void TryGet_UnknownKey_ReturnsFalse()
    {
        Assert.False(RecurrencePresets.TryGet("fortnightly_on_mars", out _));
        Assert.False(RecurrencePresets.TryGet(null, out _));
        Assert.True(RecurrencePresets.TryGet("LAST_FRIDAY", out _));
    }
}
