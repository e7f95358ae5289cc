using NodaTime;
using Scheduling.Core.Templates;
using static Scheduling.Core.Tests.TestSupport;

namespace Scheduling.Core.Tests.Templates;

public class TitleTemplateTests
{
    // 2024-06-15 14:30 in New York (EDT) = 18:30Z; Unix 1718476200.
    private static readonly Instant At = Utc("2024-06-15T18:30:00Z");

    [Theory]
    [InlineData("{date}", "2024-06-15")]
    [InlineData("{time}", "14:30")]
    [InlineData("{datetime}", "2024-06-15 14:30")]
    [InlineData("{year}", "2024")]
    [InlineData("{month}", "June")]
    [InlineData("{month_num}", "6")]
    [InlineData("{day}", "15")]
    [InlineData("{weekday}", "Saturday")]
    [InlineData("{week}", "24")]
    [InlineData("{timestamp}", "1718476200")]
    [InlineData("{run}", "7")]
    [InlineData("Deep Dive {month} {year} #{run}", "Deep Dive June 2024 #7")]
    [InlineData("{unknown} {date", "{unknown} {date")]
    [InlineData("{{date}}", "{2024-06-15}")]
    [InlineData("{DATE}", "{DATE}")]
    [InlineData("no placeholders", "no placeholders")]
    [InlineData("", "")]
    public void Render_Placeholder_FormatsInScheduleZone(string template, string expected)
    {
        Assert.Equal(expected, TitleTemplate.Render(template, At, "America/New_York", run: 7));
    }

    [Fact]
    public void Render_ZoneAcrossMidnight_UsesLocalDate()
    {
        Assert.Equal("2024-06-16 Sunday", TitleTemplate.Render("{date} {weekday}", At, "Asia/Tokyo", 1));
    }

    [Fact]
    public void Render_IsoWeekAtYearBoundary_UsesIsoWeekNumber()
    {
        Assert.Equal("53", TitleTemplate.Render("{week}", Utc("2021-01-01T12:00:00Z"), "UTC", 1));
    }
}
