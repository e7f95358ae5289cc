using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Calendar;
using Scheduling.Web.Features.Executions;
using static Scheduling.Web.Tests.Calendar.CalendarScenario;

namespace Scheduling.Web.Tests.Calendar;

/// <summary>
/// The calendar API writes its JSON by hand (CalendarJson): byte for byte what System.Text.Json writes for the
/// contract's records with the API's options. Every kind of item, nulls and non-nulls, a DST gap, text that the encoder
/// escapes, groupBy=month without items.
/// </summary>
public class CalendarJsonTests
{
    private static readonly DateTimeOffset March2030 = new(2030, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Response_IsWhatTheSerializerWritesForTheContract()
    {
        await using var s = await StartAsync(DatabaseProvider.Sqlite, March2030);
        var ny = await s.CreateAsync(Daily("Ünïcode's <show> & \"friends\" 🎬", "America/New_York", "02:30", "2030-03-01T00:00:00",
            titleTemplate: "Épisode {date} <#{run}> & \"more\"", exdates: ["2030-03-12T02:30:00"]));
        var paris = await s.CreateAsync(Daily("Paris", "Europe/Paris", "09:00", "2030-03-01T00:00:00", jobType: "export"));
        await s.RecordRunAsync(ny, "2030-03-08T07:30:00Z", ExecutionStatus.Completed);
        await s.RecordRunAsync(ny, "2030-03-11T06:30:00Z", ExecutionStatus.Failed);
        await s.RecordManualRunAsync(paris, "2030-03-09T15:00:00.25Z", ExecutionStatus.Running);
        (await s.Client.PostAsJsonAsync($"/api/v1/schedules/{paris.Id}/occurrences/move", new { occurrence = "2030-03-13T08:00:00Z", to = "2030-03-13T17:45" }, Ct)).EnsureSuccessStatusCode();
        (await s.Client.PostAsJsonAsync($"/api/v1/schedules/{paris.Id}/occurrences/skip", new { occurrence = "2030-03-10T08:00:00Z" }, Ct)).EnsureSuccessStatusCode();
        var options = s.App.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

        foreach (var query in new[]
        {
            "startDate=2030-03-07&endDate=2030-03-14&timezone=America/New_York",
            "startDate=2030-03-07&endDate=2030-03-14&timezone=Asia/Kolkata&groupBy=week",
            "startDate=2030-03-01&endDate=2030-03-31&timezone=Europe/Paris&groupBy=month",
            "startDate=2030-03-20&endDate=2030-03-20",
        })
        {
            using var response = await s.Client.GetAsync("/api/v1/schedules/calendar?" + query, Ct);
            var written = await response.Content.ReadAsByteArrayAsync(Ct);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

            var contract = JsonSerializer.Deserialize<CalendarResponse>(written, options)!;
            var serialized = JsonSerializer.SerializeToUtf8Bytes(contract, options);

            Assert.Equal(Encoding.UTF8.GetString(serialized), Encoding.UTF8.GetString(written));
            if (query.Contains("America/New_York", StringComparison.Ordinal))
            {
                var kinds = contract.Days.SelectMany(d => d.Executions!).Select(i => i.Kind.ToString()).Distinct().Order();
                Assert.Equal(["Executed", "Moved", "Planned", "Skipped"], kinds);
                Assert.Contains(contract.Days.SelectMany(d => d.Executions!), i => i.DstShifted);
                Assert.Contains(contract.Days.SelectMany(d => d.Executions!), i => i.Title.StartsWith("Épisode", StringComparison.Ordinal));
            }
            if (query.Contains("groupBy=month", StringComparison.Ordinal))
            {
                Assert.All(contract.Days, d => Assert.Null(d.Executions));
                Assert.DoesNotContain("executions", Encoding.UTF8.GetString(written), StringComparison.Ordinal);
            }
        }
    }
}
