using NodaTime;
using Scheduling.Core.Scheduling;

namespace Scheduling.Core.Tests.Scheduling;

public class PublishTimeTests
{
    private static readonly DateTimeZone Paris = DateTimeZoneProviders.Tzdb["Europe/Paris"];
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    private static PublishTime Parse(string text)
    {
        var parsed = PublishTime.Parse(text);
        Assert.True(parsed.IsSuccess, string.Join("; ", parsed.Errors));
        return parsed.Value!;
    }

    private static Instant Local(DateTimeZone zone, int y, int mo, int d, int h, int mi) =>
        zone.AtStrictly(new LocalDateTime(y, mo, d, h, mi)).ToInstant();

    [Theory]
    [InlineData("+2d@12:00", "+2d@12:00")]
    [InlineData(" +2D @ 9:05 ", "+2d@09:05")]
    [InlineData("+0d@18:00", "+0d@18:00")]
    [InlineData("+1d", "+1d")]
    [InlineData("+3h", "+3h")]
    [InlineData("+90m", "+90m")]
    [InlineData("+1d2h30m", "+1d2h30m")]
    [InlineData("2026-12-24T12:00", "2026-12-24T12:00")]
    [InlineData("2026-12-24T12:00:59", "2026-12-24T12:00")]
    [InlineData("2026-12-24 12:00", "2026-12-24T12:00")]
    public void Parse_AcceptsTheWrittenForms_AndNormalisesThem(string text, string normal)
    {
        Assert.Equal(normal, Parse(text).Text);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("tomorrow", "not a time")]
    [InlineData("+", "not an offset")]
    [InlineData("+2x", "not an offset")]
    [InlineData("-1d", "not a time")]
    [InlineData("+0d", "leave publishAt empty")]
    [InlineData("+3h@12:00", "goes with days only")]
    [InlineData("+1d@25:00", "not a time of day")]
    [InlineData("+400d", "more than 366 days")]
    [InlineData("2026-02-30T12:00", "not a time")]
    public void Parse_RefusesWhatItCannotRead_NamingTheField(string text, string says)
    {
        var parsed = PublishTime.Parse(text);
        Assert.False(parsed.IsSuccess);
        var error = Assert.Single(parsed.Errors);
        Assert.Equal("publishAt", error.Field);
        Assert.Contains(says, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DaysAtATime_IsLocal_WhateverTheOffsetOfTheOccurrence()
    {
        // Produced Friday 09:00 Paris (winter, UTC+1); published Sunday 12:00 Paris.
        var occurrence = Local(Paris, 2026, 12, 4, 9, 0);
        Assert.Equal(Local(Paris, 2026, 12, 6, 12, 0), Parse("+2d@12:00").Resolve(occurrence, Paris));
        Assert.Equal(Local(Paris, 2026, 12, 4, 18, 0), Parse("+0d@18:00").Resolve(occurrence, Paris));
    }

    [Fact]
    public void ALocalDay_AcrossSpringForward_KeepsTheWallTime_NotTwentyFourHours()
    {
        // Saturday 28 March 2026 10:00 Paris (UTC+1); the clocks go forward on Sunday 29 March at 02:00.
        var occurrence = Local(Paris, 2026, 3, 28, 10, 0);
        var publish = Parse("+1d").Resolve(occurrence, Paris);
        Assert.Equal(Local(Paris, 2026, 3, 29, 10, 0), publish);
        Assert.Equal(Duration.FromHours(23), publish - occurrence);
        // Hours are elapsed time: 24 h later is 11:00 on the wall.
        Assert.Equal(Local(Paris, 2026, 3, 29, 11, 0), Parse("+24h").Resolve(occurrence, Paris));
    }

    [Fact]
    public void ATimeTheClocksSkip_MovesForwardByTheGap_ARepeatedOneIsTheEarlier()
    {
        // New York springs forward on 8 March 2026 at 02:00 (02:30 does not exist) and falls back on 1 November (01:30 twice).
        var saturday = Local(NewYork, 2026, 3, 7, 9, 0);
        Assert.Equal(Local(NewYork, 2026, 3, 8, 3, 30), Parse("+1d@02:30").Resolve(saturday, NewYork));
        var octoberSaturday = Local(NewYork, 2026, 10, 31, 9, 0);
        var repeated = Parse("+1d@01:30").Resolve(octoberSaturday, NewYork);
        Assert.Equal(Instant.FromUtc(2026, 11, 1, 5, 30), repeated); // 01:30 EDT (UTC-4), the first of the two
    }

    [Fact]
    public void AWallTime_IsInTheSchedulesZone_AndIgnoresTheOccurrence()
    {
        var rule = Parse("2026-12-24T12:00");
        Assert.False(rule.IsOffset);
        Assert.Equal(Instant.FromUtc(2026, 12, 24, 11, 0), rule.Resolve(Instant.FromUtc(2026, 12, 1, 0, 0), Paris));
        Assert.Equal(Instant.FromUtc(2026, 12, 24, 17, 0), rule.Resolve(Instant.FromUtc(2026, 12, 1, 0, 0), NewYork));
    }

    [Theory]
    [InlineData("+2d@12:00", "publishes 2 days later at 12:00")]
    [InlineData("+1d@08:30", "publishes the next day at 08:30")]
    [InlineData("+0d@18:00", "publishes the same day at 18:00")]
    [InlineData("+1d2h30m", "publishes 1 day 2 hours 30 minutes after production starts")]
    [InlineData("+90m", "publishes 1 hour 30 minutes after production starts")]
    [InlineData("2026-12-24T12:00", "publishes at 2026-12-24 12:00")]
    public void Describe_SaysItInWords(string text, string words)
    {
        Assert.Equal(words, Parse(text).Describe());
    }
}
