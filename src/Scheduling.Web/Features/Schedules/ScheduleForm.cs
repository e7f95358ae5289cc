using System.Globalization;
using System.Text.Json;
using NodaTime;
using Scheduling.Core.Common;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;

namespace Scheduling.Web.Features.Schedules;

public enum RecurrenceMode
{
    Builder,
    Rrule,
    Cron,
}

public enum MonthlyMode
{
    DayOfMonth,
    NthWeekday,
}

public enum EndMode
{
    Never,
    OnDate,
    AfterCount,
}

/// <summary>
/// The editor's state, in the shapes MudBlazor pickers bind to. It becomes a <see cref="ScheduleInput"/>,
/// so the editor is validated by exactly the code that validates the API.
/// </summary>
public sealed class ScheduleForm
{
    public static readonly IsoDayOfWeek[] WeekDays =
        [IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday, IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday];

    public string? Name { get; set; }
    public string? Description { get; set; }
    public JobType JobType { get; set; } = JobType.VideoGeneration;
    public SchedulePriority Priority { get; set; } = SchedulePriority.Normal;
    public ScheduleType Type { get; set; } = ScheduleType.Recurring;
    public string? TimeZone { get; set; }

    public DateTime? OnceDate { get; set; }
    public TimeSpan? OnceTime { get; set; } = new(9, 0, 0);

    public RecurrenceMode Mode { get; set; } = RecurrenceMode.Builder;
    public Frequency Frequency { get; set; } = Frequency.Weekly;
    public int Interval { get; set; } = 1;
    public IReadOnlyCollection<IsoDayOfWeek> Weekdays { get; set; } = [IsoDayOfWeek.Monday];
    public MonthlyMode MonthlyMode { get; set; } = MonthlyMode.DayOfMonth;

    /// <summary>Days of the month, comma separated; negative counts from the end (-1 = last day).</summary>
    public string MonthDays { get; set; } = "1";
    public int Ordinal { get; set; } = 1;
    public IsoDayOfWeek OrdinalDay { get; set; } = IsoDayOfWeek.Monday;
    public IReadOnlyCollection<int> Months { get; set; } = [];
    public List<TimeSpan?> Times { get; set; } = [new TimeSpan(9, 0, 0)];
    public MonthDaySkip Skip { get; set; } = MonthDaySkip.Omit;
    public DateTime? StartDate { get; set; }
    public EndMode End { get; set; } = EndMode.Never;
    public DateTime? EndDate { get; set; }
    public int? EndCount { get; set; } = 10;

    public string? RruleText { get; set; }
    public string? CronText { get; set; }
    public TimeSpan? StartTime { get; set; } = TimeSpan.Zero;

    public List<DateTime?> BlackoutDates { get; set; } = [];
    public List<MoveRow> Moves { get; set; } = [];
    public List<DateTime?> SkipDates { get; set; } = [];
    public List<TimeSpan?> SkipTimes { get; set; } = [];

    public int? MaxRuns { get; set; }
    public MissedRunPolicy MissedPolicy { get; set; } = MissedRunPolicy.RunLatest;
    public OverlapPolicy OverlapPolicy { get; set; } = OverlapPolicy.Skip;
    public RetryStrategy RetryStrategy { get; set; } = RetryStrategy.None;
    public int RetryAttempts { get; set; } = 3;
    public int RetryBaseDelaySeconds { get; set; } = 30;
    public int RetryMaxDelaySeconds { get; set; } = 3600;
    public int? TimeoutSeconds { get; set; }
    public int JitterSeconds { get; set; }
    public string? WebhookUrl { get; set; }
    public string? TitleTemplate { get; set; }
    public string JobConfigJson { get; set; } = "{}";
    /// <summary>The channel it posts to; null = none (an edit must carry it, or saving would take the schedule off its channel).</summary>
    public Guid? ChannelId { get; set; }

    /// <summary>The schedule's own pipeline stages; null: the workspace's pipeline for the job type.</summary>
    public List<Pipelines.StageDraft>? OwnPipeline { get; set; }

    /// <summary>Produce now, publish later (<see cref="ScheduleInput.PublishAt"/>); empty: publishing follows production.</summary>
    public string? PublishAt { get; set; }

    /// <summary>The version the form was loaded from: saving it over a newer one is refused.</summary>
    public int? Version { get; set; }

    public sealed class MoveRow
    {
        public DateTime? FromDate { get; set; }
        public TimeSpan? FromTime { get; set; }
        public DateTime? ToDate { get; set; }
        public TimeSpan? ToTime { get; set; }
    }

    /// <summary>A new form: tomorrow in the viewer's zone, weekly on that weekday at 09:00.</summary>
    public static ScheduleForm New(string timeZone, Instant now)
    {
        var today = now.InZone(DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) ?? DateTimeZone.Utc).Date;
        var tomorrow = today.PlusDays(1);
        return new ScheduleForm
        {
            TimeZone = timeZone,
            OnceDate = tomorrow.ToDateTimeUnspecified(),
            StartDate = today.ToDateTimeUnspecified(),
            Weekdays = [tomorrow.DayOfWeek],
        };
    }

    /// <summary>The API's input; local problems (unreadable JSON) are added to <paramref name="errors"/>.</summary>
    public ScheduleInput ToInput(List<ValidationError> errors)
    {
        JsonElement? config = null;
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(JobConfigJson) ? "{}" : JobConfigJson);
            config = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            errors.Add(new("jobConfig", JsonConfigError.Describe(JobConfigJson, ex)));
        }
        if (config is { ValueKind: not JsonValueKind.Object })
        {
            errors.Add(new("jobConfig", "Job config must be a JSON object in braces, such as {\"format\": \"mp4\"}."));
            config = null;
        }

        return new ScheduleInput
        {
            Name = Name,
            Description = Description,
            JobType = JobType,
            JobConfig = config,
            ScheduleType = Type,
            Timezone = TimeZone,
            ScheduledAt = Type == ScheduleType.Once ? Local(OnceDate, OnceTime) : null,
            Recurrence = Type == ScheduleType.Recurring ? ToRecurrence() : null,
            Priority = Priority,
            MaxRuns = MaxRuns,
            MissedPolicy = MissedPolicy,
            OverlapPolicy = OverlapPolicy,
            Retry = new RetryInput(RetryStrategy == RetryStrategy.None ? 1 : RetryAttempts, RetryStrategy, RetryBaseDelaySeconds, RetryMaxDelaySeconds),
            TimeoutSeconds = TimeoutSeconds,
            JitterSeconds = JitterSeconds,
            WebhookUrl = WebhookUrl,
            TitleTemplate = TitleTemplate,
            ChannelId = ChannelId,
            Pipeline = OwnPipeline is null ? null : Pipelines.StageDraft.ToInput(OwnPipeline),
            PublishAt = string.IsNullOrWhiteSpace(PublishAt) ? null : PublishAt.Trim(),
            Version = Version,
        };
    }

    private RecurrenceInput ToRecurrence()
    {
        var exceptions = new RecurrenceInput
        {
            Exdates = [.. SkipDates.Select((d, i) => Local(d, i < SkipTimes.Count ? SkipTimes[i] : null)).OfType<string>()],
            Moves = [.. Moves.Select(m => new OccurrenceMove(Local(m.FromDate, m.FromTime), Local(m.ToDate, m.ToTime)))],
            BlackoutDates = [.. BlackoutDates.OfType<DateTime>().Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))],
        };
        return Mode switch
        {
            RecurrenceMode.Rrule => exceptions with { Rrule = RruleText ?? "", Start = Local(StartDate, StartTime) },
            RecurrenceMode.Cron => exceptions with { Cron = CronText ?? "", Start = Local(StartDate, TimeSpan.Zero) },
            _ => exceptions with
            {
                Frequency = Frequency,
                Interval = Interval,
                ByDay = Frequency switch
                {
                    Frequency.Weekly => [.. WeekDays.Where(Weekdays.Contains).Select(RRuleText.DayCode)],
                    Frequency.Monthly or Frequency.Yearly when MonthlyMode == MonthlyMode.NthWeekday => [$"{Ordinal}{RRuleText.DayCode(OrdinalDay)}"],
                    _ => [],
                },
                ByMonthDay = Frequency is Frequency.Monthly or Frequency.Yearly && MonthlyMode == MonthlyMode.DayOfMonth ? ParseMonthDays() : [],
                ByMonth = Frequency == Frequency.Yearly ? [.. Months.Order()] : [],
                TimesOfDay = Frequency.IsSubDaily() ? [] : [.. Times.OfType<TimeSpan>().Distinct().Order().Select(t => t.ToString(@"hh\:mm", CultureInfo.InvariantCulture))],
                Count = End == EndMode.AfterCount ? EndCount : null,
                Until = End == EndMode.OnDate ? EndDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "" : null,
                Skip = Skip,
                // Sub-daily rules take their minute from the start; daily and longer ones from the times of day.
                Start = Local(StartDate, Frequency.IsSubDaily() ? StartTime : TimeSpan.Zero),
            },
        };
    }

    /// <summary>"1, 15, -1" → [1, 15, -1]; anything unreadable becomes 0, which validation names (days are ±1..31).</summary>
    private List<int> ParseMonthDays() =>
        [.. (MonthDays ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var day) ? day : 0)];

    private static string? Local(DateTime? date, TimeSpan? time) =>
        date is { } d ? d.Date.Add(time ?? TimeSpan.Zero).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) : null;

    /// <summary>The form for an existing schedule; a rule the builder cannot show opens as RRULE text.</summary>
    public static ScheduleForm FromView(ScheduleView view)
    {
        var form = new ScheduleForm
        {
            Name = view.Name,
            Description = view.Description,
            JobType = view.JobType,
            Priority = view.Priority,
            Type = view.ScheduleType,
            TimeZone = view.Timezone,
            MaxRuns = view.MaxRuns,
            MissedPolicy = view.MissedPolicy,
            OverlapPolicy = view.OverlapPolicy,
            RetryStrategy = view.Retry.Strategy,
            RetryAttempts = view.Retry.MaxAttempts,
            RetryBaseDelaySeconds = view.Retry.BaseDelaySeconds,
            RetryMaxDelaySeconds = view.Retry.MaxDelaySeconds,
            TimeoutSeconds = view.TimeoutSeconds,
            JitterSeconds = view.JitterSeconds,
            WebhookUrl = view.WebhookUrl,
            TitleTemplate = view.TitleTemplate,
            JobConfigJson = JsonSerializer.Serialize(view.JobConfig, Indented),
            ChannelId = view.ChannelId,
            OwnPipeline = view.Pipeline?.Stages?.Select(Pipelines.StageDraft.From).ToList(),
            PublishAt = view.PublishAt,
            Version = view.Version,
        };
        if (view.ScheduledAt is { } at && DateTime.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.None, out var once))
        {
            form.OnceDate = once.Date;
            form.OnceTime = once.TimeOfDay;
        }
        if (view.Recurrence is not { } recurrence)
        {
            return form;
        }

        var start = DateTime.Parse(recurrence.Start, CultureInfo.InvariantCulture);
        form.StartDate = start.Date;
        form.StartTime = start.TimeOfDay;
        form.BlackoutDates = [.. recurrence.BlackoutDates.Select(d => (DateTime?)DateTime.Parse(d, CultureInfo.InvariantCulture))];
        form.Moves = [.. recurrence.Moves.Select(m =>
        {
            var from = DateTime.Parse(m.From!, CultureInfo.InvariantCulture);
            var to = DateTime.Parse(m.To!, CultureInfo.InvariantCulture);
            return new MoveRow { FromDate = from.Date, FromTime = from.TimeOfDay, ToDate = to.Date, ToTime = to.TimeOfDay };
        })];
        var skips = recurrence.Exdates.Select(d => DateTime.Parse(d, CultureInfo.InvariantCulture)).ToList();
        form.SkipDates = [.. skips.Select(d => (DateTime?)d.Date)];
        form.SkipTimes = [.. skips.Select(d => (TimeSpan?)d.TimeOfDay)];

        if (recurrence.Cron is not null)
        {
            form.Mode = RecurrenceMode.Cron;
            form.CronText = recurrence.Cron;
            return form;
        }
        form.RruleText = recurrence.Rrule;
        var rule = RRuleText.Parse(recurrence.Rrule).Value;
        if (rule is null || !form.TryLoadBuilder(rule))
        {
            form.Mode = RecurrenceMode.Rrule;
        }
        return form;
    }

    /// <summary>Fills the builder from a rule when every part of it has a control; false otherwise.</summary>
    public bool TryLoadBuilder(RecurrenceRule rule)
    {
        var subDaily = rule.Frequency.IsSubDaily();
        var monthly = rule.Frequency is Frequency.Monthly or Frequency.Yearly;
        var nth = monthly && rule.ByDay.Count == 1 && rule.ByDay[0].HasOrdinal && rule.ByMonthDay.Count == 0;
        var simple = rule.ByYearDay.Count == 0 && rule.ByWeekNo.Count == 0 && rule.BySetPos.Count == 0 && rule.BySecond.Count == 0
            && rule.WeekStart == IsoDayOfWeek.Monday
            && (subDaily ? rule.ByDay.Count == 0 && rule.ByHour.Count == 0 && rule.ByMinute.Count == 0 && rule.TimesOfDay.Count == 0 : true)
            && (rule.Frequency == Frequency.Weekly ? rule.ByDay.All(d => !d.HasOrdinal) : true)
            && (rule.Frequency == Frequency.Daily ? rule.ByDay.Count == 0 : true)
            && (monthly ? nth || rule.ByDay.Count == 0 : rule.ByMonthDay.Count == 0)
            && (rule.Frequency == Frequency.Yearly || rule.ByMonth.Count == 0)
            // The builder ends on a whole day; an UNTIL with a time of day has no control.
            && rule.Until is null or { Kind: UntilKind.Date };
        var times = TimesOf(rule);
        if (!simple || (!subDaily && times is null))
        {
            return false;
        }

        Mode = RecurrenceMode.Builder;
        Frequency = rule.Frequency;
        Interval = rule.Interval;
        Weekdays = rule.Frequency == Frequency.Weekly ? [.. rule.ByDay.Select(d => d.Day)] : Weekdays;
        MonthlyMode = nth ? MonthlyMode.NthWeekday : MonthlyMode.DayOfMonth;
        if (nth)
        {
            Ordinal = rule.ByDay[0].Ordinal;
            OrdinalDay = rule.ByDay[0].Day;
        }
        // A monthly rule without days runs on the start's day of the month (RFC 5545 takes it from DTSTART).
        MonthDays = rule.ByMonthDay.Count > 0 ? string.Join(", ", rule.ByMonthDay)
            : monthly && !nth ? (StartDate?.Day ?? 1).ToString(CultureInfo.InvariantCulture)
            : MonthDays;
        Months = [.. rule.ByMonth];
        // No hours in the rule: it runs at the start's time of day.
        Times = times is { Count: > 0 } ? [.. times.Select(t => (TimeSpan?)t)] : [StartTime ?? TimeSpan.Zero];
        Skip = rule.Skip;
        (End, EndCount, EndDate) = rule switch
        {
            { Count: { } count } => (EndMode.AfterCount, (int?)count, EndDate),
            { Until: { } until } => (EndMode.OnDate, EndCount, (DateTime?)until.Date.ToDateTimeUnspecified()),
            _ => (EndMode.Never, EndCount, EndDate),
        };
        return true;
    }

    /// <summary>The times of day of a daily-or-longer rule, or null when its hours and minutes do not form a list of times.</summary>
    private static List<TimeSpan>? TimesOf(RecurrenceRule rule)
    {
        if (rule.TimesOfDay.Count > 0)
        {
            return [.. rule.TimesOfDay.Select(t => t.ToTimeOnly().ToTimeSpan())];
        }
        if (rule.ByHour.Count == 0 && rule.ByMinute.Count == 0)
        {
            return [];
        }
        if (rule.ByHour.Count == 0)
        {
            return null;
        }
        // BYHOUR × BYMINUTE is a grid of times: 9,10 × 0,30 = 09:00, 09:30, 10:00, 10:30.
        IReadOnlyList<int> minutes = rule.ByMinute.Count > 0 ? rule.ByMinute : [0];
        return [.. rule.ByHour.SelectMany(h => minutes.Select(m => new TimeSpan(h, m, 0))).Order()];
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
