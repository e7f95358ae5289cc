using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using NodaTime;
using Scheduling.Core.Calendar;
using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Features.Calendar;

/// <summary>The calendar of a range as computed: per day a count and (but for groupBy=month) its items in time order.</summary>
public sealed record CalendarResult(string StartDate, string EndDate, DateTimeZone Zone, int TotalExecutions, IReadOnlyList<CalendarResultDay> Days)
{
    /// <summary>The same calendar as the contract's records (what <see cref="CalendarJson"/> writes).</summary>
    public CalendarResponse ToResponse() => new(StartDate, EndDate, Zone.Id, TotalExecutions,
        [.. Days.Select(d => new CalendarDay(d.Date, d.TotalCount, d.Items is null ? null : [.. d.Items.Select(o => CalendarService.ToItem(o, Zone))]))]);
}

public sealed record CalendarResultDay(string Date, int TotalCount, IReadOnlyList<CalendarOccurrence>? Items);

/// <summary>
/// Writes a <see cref="CalendarResult"/> as the JSON of <see cref="CalendarResponse"/>, byte for byte what System.Text.Json
/// writes for it with the API's options (CalendarJsonTests), straight from the projection's items: a month of 1,000
/// schedules is 25,000 items and 8 MB, and building a record per item and serialising it by reflection was about half
/// of a request. Days are flushed to the response as they are written.
/// </summary>
public sealed class CalendarJson(CalendarResult result) : IResult
{
    private static readonly JsonEncodedText StartDate = JsonEncodedText.Encode("startDate");
    private static readonly JsonEncodedText EndDate = JsonEncodedText.Encode("endDate");
    private static readonly JsonEncodedText Timezone = JsonEncodedText.Encode("timezone");
    private static readonly JsonEncodedText TotalExecutions = JsonEncodedText.Encode("totalExecutions");
    private static readonly JsonEncodedText Days = JsonEncodedText.Encode("days");
    private static readonly JsonEncodedText Date = JsonEncodedText.Encode("date");
    private static readonly JsonEncodedText TotalCount = JsonEncodedText.Encode("totalCount");
    private static readonly JsonEncodedText Executions = JsonEncodedText.Encode("executions");
    private static readonly JsonEncodedText ScheduleId = JsonEncodedText.Encode("scheduleId");
    private static readonly JsonEncodedText ScheduleName = JsonEncodedText.Encode("scheduleName");
    private static readonly JsonEncodedText Title = JsonEncodedText.Encode("title");
    private static readonly JsonEncodedText JobTypeName = JsonEncodedText.Encode("jobType");
    private static readonly JsonEncodedText Priority = JsonEncodedText.Encode("priority");
    private static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText ScheduledFor = JsonEncodedText.Encode("scheduledFor");
    private static readonly JsonEncodedText Local = JsonEncodedText.Encode("local");
    private static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText ExecutionId = JsonEncodedText.Encode("executionId");
    private static readonly JsonEncodedText OriginalScheduledFor = JsonEncodedText.Encode("originalScheduledFor");
    private static readonly JsonEncodedText DstShifted = JsonEncodedText.Encode("dstShifted");

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var options = httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        var body = httpContext.Response.BodyWriter;
        await using var writer = new Utf8JsonWriter(body, WriterOptions(options));
        await WriteAsync(writer, result, options, async () => await body.FlushAsync(httpContext.RequestAborted));
    }

    /// <summary>The writer options System.Text.Json derives from <paramref name="options"/>.</summary>
    public static JsonWriterOptions WriterOptions(JsonSerializerOptions options) => new()
    {
        Encoder = options.Encoder ?? JavaScriptEncoder.Default,
        Indented = options.WriteIndented,
        MaxDepth = options.MaxDepth,
        SkipValidation = true,
    };

    /// <summary>Writes the calendar; <paramref name="flush"/> runs after each day, once the writer has handed its bytes on.</summary>
    public static async Task WriteAsync(Utf8JsonWriter writer, CalendarResult result, JsonSerializerOptions options, Func<Task>? flush = null)
    {
        var names = EnumNames.For(options);
        writer.WriteStartObject();
        writer.WriteString(StartDate, result.StartDate);
        writer.WriteString(EndDate, result.EndDate);
        writer.WriteString(Timezone, result.Zone.Id);
        writer.WriteNumber(TotalExecutions, result.TotalExecutions);
        writer.WriteStartArray(Days);
        foreach (var day in result.Days)
        {
            writer.WriteStartObject();
            writer.WriteString(Date, day.Date);
            writer.WriteNumber(TotalCount, day.TotalCount);
            if (day.Items is { } items)
            {
                writer.WriteStartArray(Executions);
                foreach (var item in items)
                {
                    WriteItem(writer, item, result.Zone, names);
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            if (flush is not null && writer.BytesPending > 0)
            {
                await writer.FlushAsync();
                await flush();
            }
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync();
        if (flush is not null)
        {
            await flush();
        }
    }

    private static void WriteItem(Utf8JsonWriter writer, CalendarOccurrence item, DateTimeZone zone, EnumNames names)
    {
        Span<char> local = stackalloc char[32];
        writer.WriteStartObject();
        writer.WriteString(ScheduleId, item.Schedule.Id);
        writer.WriteString(ScheduleName, item.Schedule.Name);
        writer.WriteString(Title, item.Title);
        writer.WriteString(JobTypeName, names.JobTypes[(int)item.Schedule.JobType]);
        writer.WriteString(Priority, names.Priorities[(int)item.Schedule.Priority]);
        writer.WriteString(Status, item.Status);
        writer.WriteString(ScheduledFor, item.Entry.At.ToDateTimeUtc());
        var wall = item.Entry.At.InZone(zone).LocalDateTime;
        if (FormatLocal(wall, local) is { } length)
        {
            writer.WriteString(Local, local[..length]);
        }
        else
        {
            writer.WriteString(Local, CalendarService.LocalPattern.Format(wall));
        }
        writer.WriteString(Kind, names.Kinds[(int)item.Entry.Kind]);
        if (item.Entry.ExecutionId is { } executionId)
        {
            writer.WriteString(ExecutionId, executionId);
        }
        else
        {
            writer.WriteNull(ExecutionId);
        }
        if (item.Entry.Original is { } original)
        {
            writer.WriteString(OriginalScheduledFor, original.ToDateTimeUtc());
        }
        else
        {
            writer.WriteNull(OriginalScheduledFor);
        }
        writer.WriteBoolean(DstShifted, item.Entry.DstShifted);
        writer.WriteEndObject();
    }

    /// <summary>yyyy-MM-ddTHH:mm:ss for years 1000-9999 (every calendar date the API accepts); null otherwise.</summary>
    private static int? FormatLocal(LocalDateTime wall, Span<char> buffer)
    {
        if (wall.Year is < 1000 or > 9999)
        {
            return null;
        }
        Four(buffer, 0, wall.Year);
        buffer[4] = '-';
        Two(buffer, 5, wall.Month);
        buffer[7] = '-';
        Two(buffer, 8, wall.Day);
        buffer[10] = 'T';
        Two(buffer, 11, wall.Hour);
        buffer[13] = ':';
        Two(buffer, 14, wall.Minute);
        buffer[16] = ':';
        Two(buffer, 17, wall.Second);
        return 19;
    }

    private static void Two(Span<char> buffer, int at, int value)
    {
        buffer[at] = (char)('0' + value / 10);
        buffer[at + 1] = (char)('0' + value % 10);
    }

    private static void Four(Span<char> buffer, int at, int value)
    {
        Two(buffer, at, value / 100);
        Two(buffer, at + 2, value % 100);
    }

    /// <summary>The enums' wire names as the API's options write them (their converter's naming), by value.</summary>
    private sealed class EnumNames
    {
        private static EnumNames? _last;
        private readonly JsonSerializerOptions _options;

        private EnumNames(JsonSerializerOptions options)
        {
            _options = options;
            JobTypes = Names<JobType>(options);
            Priorities = Names<SchedulePriority>(options);
            Kinds = Names<CalendarItemKind>(options);
        }

        public JsonEncodedText[] JobTypes { get; }
        public JsonEncodedText[] Priorities { get; }
        public JsonEncodedText[] Kinds { get; }

        public static EnumNames For(JsonSerializerOptions options)
        {
            var last = _last;
            if (last is not null && ReferenceEquals(last._options, options))
            {
                return last;
            }
            return _last = new EnumNames(options);
        }

        private static JsonEncodedText[] Names<T>(JsonSerializerOptions options) where T : struct, Enum
        {
            var values = Enum.GetValues<T>();
            var names = new JsonEncodedText[values.Max(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)) + 1];
            foreach (var value in values)
            {
                names[Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)] = JsonEncodedText.Encode(JsonSerializer.Deserialize<string>(JsonSerializer.Serialize(value, options))!, options.Encoder);
            }
            return names;
        }
    }
}
