using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Scheduling.Core.Recurrence;
using static Scheduling.Core.Tests.TestSupport;

namespace Scheduling.Core.Tests.Recurrence;

public class RecurrenceValidatorTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private static Instant Now => Instant.FromDateTimeOffset(Clock.GetUtcNow());

    public static TheoryData<RecurrenceRule, string, string> InvalidRules => new()
    {
        { new RecurrenceRule { Interval = 0 }, "interval", "at least 1" },
        { new RecurrenceRule { Frequency = Frequency.Monthly, ByMonthDay = [32] }, "byMonthDay", "32 is not a day of the month" },
        { new RecurrenceRule { Frequency = Frequency.Monthly, ByMonthDay = [0] }, "byMonthDay", "0 is not" },
        { new RecurrenceRule { Frequency = Frequency.Yearly, ByMonth = [13] }, "byMonth", "13 is not a month" },
        { new RecurrenceRule { ByHour = [24] }, "byHour", "24 is not an hour" },
        { new RecurrenceRule { ByMinute = [60] }, "byMinute", "60 is not a minute" },
        { new RecurrenceRule { BySecond = [-1] }, "bySecond", "-1 is not a second" },
        { new RecurrenceRule { Frequency = Frequency.Weekly, ByDay = [WeekdayNum.Last(IsoDayOfWeek.Friday)] }, "byDay", "monthly or yearly" },
        { new RecurrenceRule { Frequency = Frequency.Monthly, ByDay = [WeekdayNum.Nth(6, IsoDayOfWeek.Friday)] }, "byDay", "at most 5" },
        { new RecurrenceRule { Frequency = Frequency.Weekly, ByMonthDay = [1] }, "byMonthDay", "weekly" },
        { new RecurrenceRule { Frequency = Frequency.Monthly, ByWeekNo = [1] }, "byWeekNo", "yearly" },
        { new RecurrenceRule { BySetPos = [1] }, "bySetPos", "picks from" },
        { new RecurrenceRule { Count = 0 }, "count", "at least 1" },
        { new RecurrenceRule { Frequency = Frequency.Hourly, TimesOfDay = [new LocalTime(9, 0)] }, "timesOfDay", "daily" },
        { new RecurrenceRule { TimesOfDay = [new LocalTime(9, 0)], ByHour = [9] }, "timesOfDay", "not both" },
        { new RecurrenceRule { Count = 3, Until = RecurrenceUntil.OnDate(new LocalDate(2027, 1, 1)) }, "until", "not both" },
        { new RecurrenceRule { Frequency = (Frequency)42 }, "frequency", "Choose" },
    };

    [Theory]
    [MemberData(nameof(InvalidRules))]
    public void ValidateRule_BadPart_NamesField(RecurrenceRule rule, string field, string fragment)
    {
        var result = RecurrenceValidator.ValidateRule(rule);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Field == field && e.Message.Contains(fragment, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_GoodRecurringSchedule_IsValid()
    {
        var set = Set("FREQ=WEEKLY;BYDAY=MO", "2026-01-05T09:00:00", "Europe/London");

        Assert.True(RecurrenceValidator.Validate(set, Now).IsValid);
    }

    [Fact]
    public void Validate_UnknownZone_NamesTimeZone()
    {
        var result = RecurrenceValidator.Validate(Set("FREQ=DAILY", "2026-01-05T09:00:00", "Europe/Atlantis"), Now);

        var error = Assert.Single(result.Errors);
        Assert.Equal("timeZone", error.Field);
        Assert.Contains("Europe/Atlantis", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingZone_NamesTimeZone()
    {
        var result = RecurrenceValidator.Validate(Set("FREQ=DAILY", "2026-01-05T09:00:00"), Now);

        Assert.Equal("timeZone", Assert.Single(result.Errors).Field);
    }

    [Fact]
    public void Validate_UntilBeforeStart_NamesUntil()
    {
        var result = RecurrenceValidator.Validate(Set("FREQ=DAILY;UNTIL=20260101", "2026-01-05T09:00:00", "UTC"), Now);

        var error = Assert.Single(result.Errors);
        Assert.Equal("until", error.Field);
        Assert.Contains("after the start", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AllOccurrencesInPast_NamesCount()
    {
        var result = RecurrenceValidator.Validate(Set("FREQ=DAILY;COUNT=3", "2026-01-05T09:00:00", "UTC"), Now);

        Assert.Equal("count", Assert.Single(result.Errors).Field);
    }

    [Fact]
    public void Validate_ImpossibleRule_NamesRule()
    {
        var result = RecurrenceValidator.Validate(Set("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "2026-01-05T09:00:00", "UTC"), Now);

        Assert.Equal("rule", Assert.Single(result.Errors).Field);
    }

    [Fact]
    public void Validate_FutureAfterClockAdvances_BecomesPast()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var set = Set("FREQ=DAILY;COUNT=2", "2026-01-05T09:00:00", "UTC");

        Assert.True(RecurrenceValidator.Validate(set, Instant.FromDateTimeOffset(clock.GetUtcNow())).IsValid);
        clock.Advance(TimeSpan.FromDays(10));
        Assert.False(RecurrenceValidator.Validate(set, Instant.FromDateTimeOffset(clock.GetUtcNow())).IsValid);
    }

    [Fact]
    public void ValidateOnce_PastTime_NamesScheduledAt()
    {
        var result = RecurrenceValidator.ValidateOnce(Local("2026-05-01T09:00:00"), "America/New_York", Now);

        var error = Assert.Single(result.Errors);
        Assert.Equal("scheduledAt", error.Field);
        Assert.Equal("2026-05-01 09:00 (America/New_York) is in the past; choose a future time.", error.Message);
    }

    [Fact]
    public void ValidateOnce_FutureTimeKnownZone_IsValid()
    {
        Assert.True(RecurrenceValidator.ValidateOnce(Local("2026-12-20T09:00:00"), "America/New_York", Now).IsValid);
    }

    [Fact]
    public void ValidateOnce_NothingGiven_ListsBothFields()
    {
        var result = RecurrenceValidator.ValidateOnce(null, null, Now);

        Assert.Equal(["timeZone", "scheduledAt"], result.Errors.Select(e => e.Field));
        Assert.Equal(["timeZone", "scheduledAt"], result.ToDictionary().Keys.Order(StringComparer.Ordinal).Reverse());
    }
}
