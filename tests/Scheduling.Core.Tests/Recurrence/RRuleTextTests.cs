using NodaTime;
using Scheduling.Core.Recurrence;

namespace Scheduling.Core.Tests.Recurrence;

public class RRuleTextTests
{
    [Fact]
    public void Parse_FullRule_ReadsEveryPart()
    {
        var result = RRuleText.Parse("RRULE:FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=-1FR,2TU,MO;BYMONTHDAY=1,-1;BYMONTH=1,6;BYHOUR=9;BYMINUTE=30;BYSECOND=15;BYSETPOS=1,-1;WKST=SU");

        Assert.True(result.IsSuccess, result.ToString());
        var rule = result.Value!;
        Assert.Equal(Frequency.Monthly, rule.Frequency);
        Assert.Equal(2, rule.Interval);
        Assert.Equal(10, rule.Count);
        Assert.Equal([WeekdayNum.Last(IsoDayOfWeek.Friday), WeekdayNum.Nth(2, IsoDayOfWeek.Tuesday), WeekdayNum.Every(IsoDayOfWeek.Monday)], rule.ByDay);
        Assert.Equal([1, -1], rule.ByMonthDay);
        Assert.Equal([1, 6], rule.ByMonth);
        Assert.Equal([9], rule.ByHour);
        Assert.Equal([30], rule.ByMinute);
        Assert.Equal([15], rule.BySecond);
        Assert.Equal([1, -1], rule.BySetPos);
        Assert.Equal(IsoDayOfWeek.Sunday, rule.WeekStart);
    }

    [Theory]
    [InlineData("FREQ=DAILY;UNTIL=20261231T235959Z", UntilKind.Utc)]
    [InlineData("FREQ=DAILY;UNTIL=20261231T180000", UntilKind.Local)]
    [InlineData("FREQ=DAILY;UNTIL=20261231", UntilKind.Date)]
    public void Parse_Until_KeepsItsKind(string text, UntilKind kind)
    {
        var rule = TestSupport.Rule(text);

        Assert.Equal(kind, rule.Until!.Value.Kind);
        Assert.Equal(text, RRuleText.Format(rule));
    }

    [Theory]
    [InlineData("FREQ=WEEKLY;BYDAY=MO")]
    [InlineData("FREQ=MONTHLY;BYDAY=-1FR")]
    [InlineData("FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=1")]
    [InlineData("FREQ=YEARLY;COUNT=3;BYWEEKNO=-1;BYYEARDAY=1,-1;BYDAY=SU;WKST=SU")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=31;RSCALE=GREGORIAN;SKIP=BACKWARD")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=30;RSCALE=GREGORIAN;SKIP=FORWARD")]
    [InlineData("FREQ=HOURLY;INTERVAL=6;BYMINUTE=0,30;BYSECOND=0")]
    [InlineData("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")]
    public void Format_CanonicalText_RoundTripsExactly(string text)
    {
        var rule = TestSupport.Rule(text);

        Assert.Equal(text, RRuleText.Format(rule));
        Assert.Equal(rule, TestSupport.Rule(RRuleText.Format(rule)));
    }

    [Fact]
    public void Parse_LowercaseSpacesAndTrailingSemicolon_AreAccepted()
    {
        var rule = TestSupport.Rule(" rrule:freq=weekly ; byday = mo,th ; ");

        Assert.Equal("FREQ=WEEKLY;BYDAY=MO,TH", rule.ToString());
    }

    [Fact]
    public void Format_TimesOfDayCrossProduct_UsesByHourAndByMinute()
    {
        var rule = new RecurrenceRule { Frequency = Frequency.Daily, TimesOfDay = [new LocalTime(9, 0), new LocalTime(17, 0)] };

        Assert.Equal("FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0", RRuleText.Format(rule));
    }

    [Fact]
    public void Format_TimesOfDayNotACrossProduct_UsesXTimesAndParsesBack()
    {
        var rule = new RecurrenceRule { Frequency = Frequency.Daily, TimesOfDay = [new LocalTime(17, 30), new LocalTime(9, 0)] };

        var text = RRuleText.Format(rule);

        Assert.Equal("FREQ=DAILY;X-TIMES=0900,1730", text);
        Assert.Equal([new LocalTime(9, 0), new LocalTime(17, 30)], TestSupport.Rule(text).TimesOfDay);
    }

    [Theory]
    [InlineData(null, "Enter a recurrence rule")]
    [InlineData("   ", "Enter a recurrence rule")]
    [InlineData("BYDAY=MO", "FREQ is required")]
    [InlineData("FREQ=FORTNIGHTLY", "FREQ 'FORTNIGHTLY'")]
    [InlineData("FREQ=SECONDLY", "SECONDLY is not supported")]
    [InlineData("FREQ=DAILY;INTERVAL=0", "INTERVAL must be between 1")]
    [InlineData("FREQ=DAILY;INTERVAL=abc", "INTERVAL 'abc' is not a whole number")]
    [InlineData("FREQ=DAILY;INTERVAL=99999999999999999999", "is not a whole number")]
    [InlineData("FREQ=DAILY;COUNT=0", "COUNT must be between 1")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY value 32 is out of range")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY value 0 is out of range")]
    [InlineData("FREQ=YEARLY;BYMONTH=13", "BYMONTH value 13")]
    [InlineData("FREQ=DAILY;BYHOUR=24", "BYHOUR value 24")]
    [InlineData("FREQ=DAILY;BYHOUR=-1", "BYHOUR value -1")]
    [InlineData("FREQ=WEEKLY;BYDAY=XX", "BYDAY value 'XX'")]
    [InlineData("FREQ=MONTHLY;BYDAY=0MO", "ordinal")]
    [InlineData("FREQ=MONTHLY;BYDAY=99FR", "ordinal")]
    [InlineData("FREQ=DAILY;UNTIL=2026-12-31", "UNTIL '2026-12-31'")]
    [InlineData("FREQ=DAILY;UNTIL=20261340T000000", "UNTIL")]
    [InlineData("FREQ=DAILY;COUNT=3;UNTIL=20261231", "COUNT and UNTIL")]
    [InlineData("FREQ=DAILY;FREQ=WEEKLY", "more than once")]
    [InlineData("FREQ=DAILY;FOO=BAR", "'FOO' is not a recurrence rule part")]
    [InlineData("FREQ=DAILY;BYDAY", "not a NAME=VALUE part")]
    [InlineData("FREQ=DAILY;BYDAY=", "has no value")]
    [InlineData("FREQ=MONTHLY;SKIP=BACKWARD", "SKIP needs RSCALE")]
    [InlineData("FREQ=MONTHLY;RSCALE=HEBREW", "only GREGORIAN")]
    [InlineData("FREQ=DAILY;WKST=XY", "WKST 'XY'")]
    [InlineData("FREQ=DAILY;X-TIMES=2500", "X-TIMES value '2500'")]
    [InlineData(";;;=;=", "not a NAME=VALUE part")]
    public void Parse_InvalidText_ReturnsFieldError(string? text, string fragment)
    {
        var result = RRuleText.Parse(text);

        Assert.False(result.IsSuccess);
        Assert.All(result.Errors, e => Assert.Equal("rrule", e.Field));
        Assert.Contains(result.Errors, e => e.Message.Contains(fragment, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_VeryLongText_ReturnsErrorWithoutEchoingIt()
    {
        var result = RRuleText.Parse("FREQ=DAILY;" + new string('X', 5000));

        Assert.False(result.IsSuccess);
        Assert.True(result.Errors[0].Message.Length < 200);
    }

    [Fact]
    public void Parse_RandomStrings_NeverThrow()
    {
        var random = new Random(7);
        const string alphabet = "FREQ=DAILYWEKMONTHBYDASETPOSUNTILCOUNT;,-+0123456789ZT ";
        for (var i = 0; i < 2000; i++)
        {
            var chars = new char[random.Next(0, 60)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            var result = RRuleText.Parse(new string(chars));
            Assert.True(result.IsSuccess || result.Errors.Length > 0);
        }
    }
}
