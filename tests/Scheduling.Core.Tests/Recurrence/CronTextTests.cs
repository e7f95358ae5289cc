using Cronos;
using NodaTime;
using Scheduling.Core.Recurrence;
using static Scheduling.Core.Tests.TestSupport;

namespace Scheduling.Core.Tests.Recurrence;

public class CronTextTests
{
    [Theory]
    [InlineData("0 10 * * *", "FREQ=DAILY;BYHOUR=10;BYMINUTE=0;BYSECOND=0")]
    [InlineData("0 14 * * 1,3,5", "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=14;BYMINUTE=0;BYSECOND=0")]
    [InlineData("0 9 1,15 * *", "FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=9;BYMINUTE=0;BYSECOND=0")]
    [InlineData("0 */6 * * *", "FREQ=DAILY;BYHOUR=0,6,12,18;BYMINUTE=0;BYSECOND=0")]
    [InlineData("0 9-17 * * 1-5", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9,10,11,12,13,14,15,16,17;BYMINUTE=0;BYSECOND=0")]
    [InlineData("*/15 * * * *", "FREQ=HOURLY;BYMINUTE=0,15,30,45;BYSECOND=0")]
    [InlineData("* * * * *", "FREQ=MINUTELY;BYSECOND=0")]
    [InlineData("30 0 9 * * MON-FRI", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0;BYSECOND=30")]
    [InlineData("0 18 * * 5L", "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=18;BYMINUTE=0;BYSECOND=0")]
    [InlineData("0 9 * * 2#2", "FREQ=MONTHLY;BYDAY=2TU;BYHOUR=9;BYMINUTE=0;BYSECOND=0")]
    [InlineData("0 17 L * *", "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=17;BYMINUTE=0;BYSECOND=0")]
    [InlineData("0 17 LW * *", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=17;BYMINUTE=0;BYSECOND=0;BYSETPOS=-1")]
    [InlineData("0 12 1 JAN,APR,JUL,OCT *", "FREQ=MONTHLY;BYMONTH=1,4,7,10;BYMONTHDAY=1;BYHOUR=12;BYMINUTE=0;BYSECOND=0")]
    [InlineData("@daily", "FREQ=DAILY;BYHOUR=0;BYMINUTE=0;BYSECOND=0")]
    [InlineData("@hourly", "FREQ=HOURLY;BYMINUTE=0;BYSECOND=0")]
    [InlineData("0 0 * * 0", "FREQ=WEEKLY;BYDAY=SU;BYHOUR=0;BYMINUTE=0;BYSECOND=0")]
    [InlineData("0 0 * * 7", "FREQ=WEEKLY;BYDAY=SU;BYHOUR=0;BYMINUTE=0;BYSECOND=0")]
    public void Parse_Expression_MapsToRule(string cron, string rrule)
    {
        var result = CronText.Parse(cron);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(rrule, result.Value!.ToString());
    }

    [Theory]
    [InlineData("0 9,17 * * 1-5", "Every weekday at 09:00 and 17:00")]
    [InlineData("0 18 * * 5L", "Every month on the last Friday at 18:00")]
    [InlineData("*/15 * * * *", "Every hour at 0, 15, 30 and 45 minutes past the hour")]
    [InlineData("*/10 * * * * *", "Every minute at seconds 0, 10, 20, 30, 40 and 50")]
    public void Parse_Expression_DescribesInWords(string cron, string description)
    {
        Assert.Equal(description, CronText.Parse(cron).Value!.Describe());
    }

    [Theory]
    [InlineData("", "Enter a cron expression")]
    [InlineData("0 9 * *", "has 5 fields")]
    [InlineData("0 9 * * * * *", "has 5 fields")]
    [InlineData("61 9 * * *", "not a valid cron expression")]
    [InlineData("0 9 15 * 1", "both restricted")]
    [InlineData("0 9 15W * *", "nearest weekday")]
    [InlineData("0 9,17 LW * *", "single time of day")]
    [InlineData("@reboot", "not a supported cron macro")]
    [InlineData("hello world", "has 5 fields")]
    [InlineData("a b c d e", "not a valid cron expression")]
    public void Parse_Unsupported_ReturnsCronFieldError(string cron, string fragment)
    {
        var result = CronText.Parse(cron);

        Assert.False(result.IsSuccess);
        var error = Assert.Single(result.Errors);
        Assert.Equal("cron", error.Field);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 10 * * *")]
    [InlineData("0 14 * * 1,3,5")]
    [InlineData("0 9 1,15 * *")]
    [InlineData("0 */6 * * *")]
    [InlineData("0 9-17 * * 1-5")]
    [InlineData("*/15 * * * *")]
    [InlineData("7 * * * *")]
    [InlineData("0 18 * * 5L")]
    [InlineData("0 9 * * 2#2")]
    [InlineData("0 17 L * *")]
    [InlineData("0 17 L-2 * *")]
    [InlineData("0 17 LW * *")]
    [InlineData("15 30 9 * * SAT,SUN")]
    [InlineData("0 0 29-31 2,4,6 *")]
    [InlineData("5/20 8-10/2 * 3-9 *")]
    public void Expand_ConvertedRule_MatchesCronosInUtc(string cron)
    {
        var rule = CronText.Parse(cron).Value!;
        var start = Utc("2026-01-01T00:00:00Z");
        var set = new RecurrenceSet(rule, start.InUtc().LocalDateTime, "UTC");
        var format = cron.Split(' ').Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        var expected = CronExpression.Parse(cron, format)
            .GetOccurrences(start.ToDateTimeUtc(), start.ToDateTimeUtc().AddDays(400), fromInclusive: true, toInclusive: false)
            .Take(300)
            .Select(d => Instant.FromDateTimeUtc(d))
            .ToList();

        var actual = set.Occurrences().Take(expected.Count).Select(o => o.Instant).ToList();

        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }
}
