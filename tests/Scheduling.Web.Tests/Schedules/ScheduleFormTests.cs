using System.Text.Json;
using NodaTime;
using Scheduling.Core.Common;
using Scheduling.Core.Recurrence;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Schedules;

namespace Scheduling.Web.Tests.Schedules;

/// <summary>
/// The editor's state (<see cref="ScheduleForm"/>) → <see cref="ScheduleInput"/>, and back from a stored schedule's view.
/// The clock is fixed: Friday 1 March 2030, 12:00 UTC.
/// </summary>
public sealed class ScheduleFormTests
{
    private const string Zone = "America/New_York";

    private static readonly Instant Now = Instant.FromUtc(2030, 3, 1, 12, 0);

    private static readonly DateTime March4 = new(2030, 3, 4);

    // ToInput ------------------------------------------------------------------------------------------------

    [Fact]
    public void ToInput_Once_HasLocalScheduledAtAndNoRecurrence()
    {
        var form = Form(f =>
        {
            f.Type = ScheduleType.Once;
            f.OnceDate = new DateTime(2030, 3, 12);
            f.OnceTime = new TimeSpan(14, 45, 0);
        });

        var input = ToInput(form);

        Assert.Equal(ScheduleType.Once, input.ScheduleType);
        Assert.Equal("2030-03-12T14:45:00", input.ScheduledAt);
        Assert.Null(input.Recurrence);
        var timing = Timing(form);
        Assert.Equal(new LocalDateTime(2030, 3, 12, 14, 45), timing.ScheduledAt);
        Assert.Equal(Instant.FromUtc(2030, 3, 12, 18, 45), timing.NextAtOrAfter(Now));
    }

    [Fact]
    public void ToInput_BuilderWeekly_EmitsDaysInWeekOrderTimeAndMidnightStart()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Weekly;
            f.Weekdays = [IsoDayOfWeek.Friday, IsoDayOfWeek.Monday];
            f.Times = [new TimeSpan(9, 0, 0)];
        });

        var recurrence = ToInput(form).Recurrence!;

        Assert.Equal(Frequency.Weekly, recurrence.Frequency);
        Assert.Equal(1, recurrence.Interval);
        Assert.Equal(["MO", "FR"], recurrence.ByDay);
        Assert.Empty(recurrence.ByMonthDay!);
        Assert.Empty(recurrence.ByMonth!);
        Assert.Equal(["09:00"], recurrence.TimesOfDay);
        Assert.Equal("2030-03-04T00:00:00", recurrence.Start);
        Assert.Null(recurrence.Rrule);
        Assert.Null(recurrence.Cron);
        Assert.Null(recurrence.Count);
        Assert.Null(recurrence.Until);
        Assert.Equal("FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9;BYMINUTE=0", RRuleText.Format(Timing(form).Set!.Rule));
        Assert.Equal(["2030-03-04T09:00:00", "2030-03-08T09:00:00", "2030-03-11T09:00:00"], Next(form, 3));
    }

    [Fact]
    public void ToInput_MonthlyNthWeekday_EmitsOrdinalDayAndNoMonthDays()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Monthly;
            f.MonthlyMode = MonthlyMode.NthWeekday;
            f.Ordinal = 2;
            f.OrdinalDay = IsoDayOfWeek.Tuesday;
            f.MonthDays = "15"; // hidden in this mode: must not leak into the rule
        });

        var recurrence = ToInput(form).Recurrence!;

        Assert.Equal(["2TU"], recurrence.ByDay);
        Assert.Empty(recurrence.ByMonthDay!);
        Assert.Equal("FREQ=MONTHLY;BYDAY=2TU;BYHOUR=9;BYMINUTE=0", RRuleText.Format(Timing(form).Set!.Rule));
        Assert.Equal(["2030-03-12T09:00:00", "2030-04-09T09:00:00", "2030-05-14T09:00:00"], Next(form, 3));
    }

    [Fact]
    public void ToInput_MonthlyLastFriday_EmitsNegativeOrdinal()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Monthly;
            f.MonthlyMode = MonthlyMode.NthWeekday;
            f.Ordinal = -1;
            f.OrdinalDay = IsoDayOfWeek.Friday;
        });

        Assert.Equal(["-1FR"], ToInput(form).Recurrence!.ByDay);
        Assert.Equal(["2030-03-29T09:00:00", "2030-04-26T09:00:00"], Next(form, 2));
    }

    [Fact]
    public void ToInput_MonthlyDay31WithBackwardSkip_UsesLastDayOfShortMonths()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Monthly;
            f.MonthlyMode = MonthlyMode.DayOfMonth;
            f.MonthDays = "31";
            f.Skip = MonthDaySkip.Backward;
        });

        var recurrence = ToInput(form).Recurrence!;

        Assert.Equal([31], recurrence.ByMonthDay);
        Assert.Empty(recurrence.ByDay!);
        Assert.Equal(MonthDaySkip.Backward, recurrence.Skip);
        Assert.Contains("SKIP=BACKWARD", RRuleText.Format(Timing(form).Set!.Rule), StringComparison.Ordinal);
        Assert.Equal(["2030-03-31T09:00:00", "2030-04-30T09:00:00", "2030-05-31T09:00:00", "2030-06-30T09:00:00"], Next(form, 4));
    }

    [Fact]
    public void ToInput_MonthlyDay31WithOmit_SkipsShortMonths()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Monthly;
            f.MonthDays = "31";
            f.Skip = MonthDaySkip.Omit;
        });

        Assert.Equal(["2030-03-31T09:00:00", "2030-05-31T09:00:00", "2030-07-31T09:00:00"], Next(form, 3));
    }

    [Fact]
    public void ToInput_MonthDaysText_ParsesListsNegativesAndMarksGarbageAsZero()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Monthly;
            f.MonthDays = "1, 15;-1 x";
        });

        Assert.Equal([1, 15, -1, 0], ToInput(form).Recurrence!.ByMonthDay);
        var errors = new List<ValidationError>();
        Assert.Null(ScheduleTiming.Parse(form.ToInput(errors), Now, errors));
        Assert.Contains(errors, e => e.Field.StartsWith("recurrence.", StringComparison.Ordinal));
    }

    [Fact]
    public void ToInput_YearlyWithMonths_EmitsSortedMonthsAndMonthDay()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Yearly;
            f.Months = [9, 3];
            f.MonthDays = "15";
        });

        var recurrence = ToInput(form).Recurrence!;

        Assert.Equal([3, 9], recurrence.ByMonth);
        Assert.Equal([15], recurrence.ByMonthDay);
        Assert.Equal(["2030-03-15T09:00:00", "2030-09-15T09:00:00", "2031-03-15T09:00:00"], Next(form, 3));
    }

    [Fact]
    public void ToInput_WeeklyWithMonthsSet_DropsMonthsOutsideYearly()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Weekly;
            f.Months = [6]; // left over from a yearly draft
        });

        Assert.Empty(ToInput(form).Recurrence!.ByMonth!);
    }

    [Fact]
    public void ToInput_SeveralTimesOfDay_AreDistinctSortedAndBlanksDropped()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Daily;
            f.Times = [new TimeSpan(17, 30, 0), new TimeSpan(9, 0, 0), null, new TimeSpan(9, 0, 0)];
        });

        var recurrence = ToInput(form).Recurrence!;

        Assert.Equal(["09:00", "17:30"], recurrence.TimesOfDay);
        Assert.Empty(recurrence.ByDay!);
        Assert.Equal(["2030-03-04T09:00:00", "2030-03-04T17:30:00", "2030-03-05T09:00:00"], Next(form, 3));
    }

    [Fact]
    public void ToInput_SubDaily_HasNoTimesAndStartsAtStartTime()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Hourly;
            f.Interval = 6;
            f.StartTime = new TimeSpan(8, 30, 0);
        });

        var recurrence = ToInput(form).Recurrence!;

        Assert.Empty(recurrence.TimesOfDay!);
        Assert.Equal("2030-03-04T08:30:00", recurrence.Start);
        Assert.Equal(["2030-03-04T08:30:00", "2030-03-04T14:30:00"], Next(form, 2));
    }

    [Fact]
    public void ToInput_EndOnDate_SetsUntilDateAndNoCount()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Daily;
            f.End = EndMode.OnDate;
            f.EndDate = new DateTime(2030, 3, 6);
            f.EndCount = 10;
        });

        var recurrence = ToInput(form).Recurrence!;

        Assert.Equal("2030-03-06", recurrence.Until);
        Assert.Null(recurrence.Count);
        Assert.Equal(["2030-03-04T09:00:00", "2030-03-05T09:00:00", "2030-03-06T09:00:00"], Next(form, 10));
    }

    [Fact]
    public void ToInput_EndOnDateWithoutDate_SendsEmptyUntilWhichValidationRejects()
    {
        var form = Form(f =>
        {
            f.End = EndMode.OnDate;
            f.EndDate = null;
        });

        Assert.Equal("", ToInput(form).Recurrence!.Until);
        var errors = new List<ValidationError>();
        Assert.Null(ScheduleTiming.Parse(form.ToInput(errors), Now, errors));
        Assert.Contains(errors, e => e.Field.Contains("until", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void ToInput_EndAfterCount_SetsCountAndNoUntil()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Daily;
            f.End = EndMode.AfterCount;
            f.EndCount = 2;
            f.EndDate = new DateTime(2030, 12, 31);
        });

        var recurrence = ToInput(form).Recurrence!;

        Assert.Equal(2, recurrence.Count);
        Assert.Null(recurrence.Until);
        Assert.Equal(["2030-03-04T09:00:00", "2030-03-05T09:00:00"], Next(form, 10));
    }

    [Fact]
    public void ToInput_EndNever_HasNeitherCountNorUntil()
    {
        var form = Form(f => f.EndCount = 7);

        var recurrence = ToInput(form).Recurrence!;

        Assert.Null(recurrence.Count);
        Assert.Null(recurrence.Until);
    }

    [Fact]
    public void ToInput_RruleMode_SendsTextAndStartWithTimeOnly()
    {
        var form = Form(f =>
        {
            f.Mode = RecurrenceMode.Rrule;
            f.RruleText = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1";
            f.StartTime = new TimeSpan(17, 0, 0);
        });

        var recurrence = ToInput(form).Recurrence!;

        Assert.Equal("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", recurrence.Rrule);
        Assert.Equal("2030-03-04T17:00:00", recurrence.Start);
        Assert.Null(recurrence.Frequency);
        Assert.Null(recurrence.Cron);
        Assert.Null(recurrence.TimesOfDay);
        Assert.Equal(["2030-03-29T17:00:00", "2030-04-30T17:00:00"], Next(form, 2));
    }

    [Fact]
    public void ToInput_RruleModeWithoutText_SendsEmptyRuleWhichValidationRejects()
    {
        var form = Form(f => f.Mode = RecurrenceMode.Rrule);

        Assert.Equal("", ToInput(form).Recurrence!.Rrule);
        var errors = new List<ValidationError>();
        Assert.Null(ScheduleTiming.Parse(form.ToInput(errors), Now, errors));
        Assert.Contains(errors, e => e.Field == "recurrence.rrule");
    }

    [Fact]
    public void ToInput_CronMode_SendsExpressionAndMidnightStart()
    {
        var form = Form(f =>
        {
            f.Mode = RecurrenceMode.Cron;
            f.CronText = "30 8 * * 1-5";
            f.StartTime = new TimeSpan(17, 0, 0); // the RRULE tab's time does not apply to cron
        });

        var recurrence = ToInput(form).Recurrence!;

        Assert.Equal("30 8 * * 1-5", recurrence.Cron);
        Assert.Equal("2030-03-04T00:00:00", recurrence.Start);
        Assert.Null(recurrence.Rrule);
        Assert.Null(recurrence.Frequency);
        var timing = Timing(form);
        Assert.Equal("30 8 * * 1-5", timing.Cron);
        Assert.Equal(["2030-03-04T08:30:00", "2030-03-05T08:30:00"], Next(form, 2));
    }

    [Fact]
    public void ToInput_InvalidCron_IsAnErrorOnRecurrenceCron()
    {
        var form = Form(f =>
        {
            f.Mode = RecurrenceMode.Cron;
            f.CronText = "61 9 * * *";
        });

        var errors = new List<ValidationError>();
        Assert.Null(ScheduleTiming.Parse(form.ToInput(errors), Now, errors));
        Assert.Contains(errors, e => e.Field == "recurrence.cron");
    }

    [Fact]
    public void ToInput_Exceptions_BecomeBlackoutsSkipsAndMoves()
    {
        var form = Form(f =>
        {
            f.Frequency = Frequency.Daily;
            f.BlackoutDates = [new DateTime(2030, 3, 5), null];
            f.SkipDates = [new DateTime(2030, 3, 6), null];
            f.SkipTimes = [new TimeSpan(9, 0, 0), new TimeSpan(9, 0, 0)];
            f.Moves = [new ScheduleForm.MoveRow { FromDate = new DateTime(2030, 3, 7), FromTime = new TimeSpan(9, 0, 0), ToDate = new DateTime(2030, 3, 7), ToTime = new TimeSpan(13, 15, 0) }];
        });

        var recurrence = ToInput(form).Recurrence!;

        Assert.Equal(["2030-03-05"], recurrence.BlackoutDates);
        Assert.Equal(["2030-03-06T09:00:00"], recurrence.Exdates);
        var move = Assert.Single(recurrence.Moves!);
        Assert.Equal(new OccurrenceMove("2030-03-07T09:00:00", "2030-03-07T13:15:00"), move);
        Assert.Equal(["2030-03-04T09:00:00", "2030-03-07T13:15:00", "2030-03-08T09:00:00"], Next(form, 3));
    }

    [Fact]
    public void ToInput_SkipWithoutTime_SkipsMidnight()
    {
        var form = Form(f =>
        {
            f.SkipDates = [new DateTime(2030, 3, 6)];
            f.SkipTimes = [];
        });

        Assert.Equal(["2030-03-06T00:00:00"], ToInput(form).Recurrence!.Exdates);
    }

    [Fact]
    public void ToInput_InvalidJobConfig_AddsJobConfigErrorAndSendsNoConfig()
    {
        var form = Form(f => f.JobConfigJson = "{\"format\": mp4}");

        var errors = new List<ValidationError>();
        var input = form.ToInput(errors);

        var error = Assert.Single(errors);
        Assert.Equal("jobConfig", error.Field);
        Assert.Equal("Job config must be a JSON object: line 1, text must be in double quotes (at 'mp4').", error.Message);
        Assert.Null(input.JobConfig);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void ToInput_BlankJobConfig_IsAnEmptyObject(string json)
    {
        var form = Form(f => f.JobConfigJson = json);

        var config = ToInput(form).JobConfig;

        Assert.NotNull(config);
        Assert.Equal(JsonValueKind.Object, config.Value.ValueKind);
        Assert.Empty(config.Value.EnumerateObject());
    }

    [Fact]
    public void ToInput_ValidJobConfig_IsPassedThrough()
    {
        var form = Form(f => f.JobConfigJson = """{ "format": "mp4", "fps": 30 }""");

        var config = ToInput(form).JobConfig!.Value;

        Assert.Equal("mp4", config.GetProperty("format").GetString());
        Assert.Equal(30, config.GetProperty("fps").GetInt32());
    }

    [Theory]
    [InlineData(RetryStrategy.None, 1)]
    [InlineData(RetryStrategy.Exponential, 5)]
    public void ToInput_Retry_SendsOneAttemptWithoutStrategy(RetryStrategy strategy, int expectedAttempts)
    {
        var form = Form(f =>
        {
            f.RetryStrategy = strategy;
            f.RetryAttempts = 5;
        });

        var retry = ToInput(form).Retry!;

        Assert.Equal(strategy, retry.Strategy);
        Assert.Equal(expectedAttempts, retry.MaxAttempts);
    }

    [Fact]
    public void New_StartsTodayInViewerZoneWeeklyOnTomorrowsWeekday()
    {
        // 1 Mar 2030 23:30 UTC is already Saturday 2 Mar in Tokyo.
        var form = ScheduleForm.New("Asia/Tokyo", Instant.FromUtc(2030, 3, 1, 23, 30));

        Assert.Equal("Asia/Tokyo", form.TimeZone);
        Assert.Equal(new DateTime(2030, 3, 2), form.StartDate);
        Assert.Equal(new DateTime(2030, 3, 3), form.OnceDate);
        Assert.Equal([IsoDayOfWeek.Sunday], form.Weekdays);
        Assert.Equal(RecurrenceMode.Builder, form.Mode);
        Assert.Equal(ScheduleType.Recurring, form.Type);
    }

    // FromView round trips --------------------------------------------------------------------------------

    public static TheoryData<string> RoundTripCases => [.. RoundTrips.Keys];

    private static readonly Dictionary<string, Action<ScheduleForm>> RoundTrips = new()
    {
        ["once"] = f =>
        {
            f.Type = ScheduleType.Once;
            f.OnceDate = new DateTime(2030, 3, 12);
            f.OnceTime = new TimeSpan(14, 45, 0);
        },
        ["weekly"] = f =>
        {
            f.Interval = 2;
            f.Weekdays = [IsoDayOfWeek.Monday, IsoDayOfWeek.Thursday];
        },
        ["monthly nth weekday"] = f =>
        {
            f.Frequency = Frequency.Monthly;
            f.MonthlyMode = MonthlyMode.NthWeekday;
            f.Ordinal = -1;
            f.OrdinalDay = IsoDayOfWeek.Friday;
        },
        ["monthly 31 backward"] = f =>
        {
            f.Frequency = Frequency.Monthly;
            f.MonthDays = "31";
            f.Skip = MonthDaySkip.Backward;
        },
        ["monthly several days"] = f =>
        {
            f.Frequency = Frequency.Monthly;
            f.MonthDays = "1, 15, -1";
        },
        ["yearly months"] = f =>
        {
            f.Frequency = Frequency.Yearly;
            f.Months = [1, 4, 7, 10];
            f.MonthDays = "1";
        },
        ["yearly nth weekday"] = f =>
        {
            f.Frequency = Frequency.Yearly;
            f.Months = [11];
            f.MonthlyMode = MonthlyMode.NthWeekday;
            f.Ordinal = 4;
            f.OrdinalDay = IsoDayOfWeek.Thursday;
        },
        ["several times"] = f =>
        {
            f.Frequency = Frequency.Daily;
            f.Times = [new TimeSpan(9, 0, 0), new TimeSpan(17, 30, 0)];
        },
        ["hourly"] = f =>
        {
            f.Frequency = Frequency.Hourly;
            f.Interval = 3;
            f.StartTime = new TimeSpan(8, 15, 0);
        },
        ["end on date"] = f =>
        {
            f.Frequency = Frequency.Daily;
            f.End = EndMode.OnDate;
            f.EndDate = new DateTime(2030, 6, 30);
        },
        ["end after count"] = f =>
        {
            f.End = EndMode.AfterCount;
            f.EndCount = 12;
        },
        ["cron"] = f =>
        {
            f.Mode = RecurrenceMode.Cron;
            f.CronText = "0 9,17 * * 1-5";
        },
        ["rrule with bysetpos"] = f =>
        {
            f.Mode = RecurrenceMode.Rrule;
            f.RruleText = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1";
            f.StartTime = new TimeSpan(17, 0, 0);
        },
        ["exceptions"] = f =>
        {
            f.Frequency = Frequency.Daily;
            f.BlackoutDates = [new DateTime(2030, 3, 5)];
            f.SkipDates = [new DateTime(2030, 3, 6)];
            f.SkipTimes = [new TimeSpan(9, 0, 0)];
            f.Moves = [new ScheduleForm.MoveRow { FromDate = new DateTime(2030, 3, 7), FromTime = new TimeSpan(9, 0, 0), ToDate = new DateTime(2030, 3, 8), ToTime = new TimeSpan(7, 0, 0) }];
        },
    };

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void FromView_StoredSchedule_GivesTheSameTiming(string name)
    {
        var original = Form(RoundTrips[name]);
        var view = StoreAndView(original);

        var reopened = ScheduleForm.FromView(view);

        Assert.Equal(original.Mode, reopened.Mode);
        Assert.Equal(original.Type, reopened.Type);
        var before = Timing(original);
        var after = Timing(reopened);
        Assert.Equal(before.Type, after.Type);
        Assert.Equal(before.TimeZone, after.TimeZone);
        Assert.Equal(before.ScheduledAt, after.ScheduledAt);
        Assert.Equal(before.Cron, after.Cron);
        if (before.Set is not null)
        {
            Assert.Equal(RRuleText.Format(before.Set.Rule), RRuleText.Format(after.Set!.Rule));
            Assert.Equal(before.Set.Start, after.Set.Start);
            Assert.Equal(before.Set.ExDates, after.Set.ExDates);
            Assert.Equal(before.Set.Overrides, after.Set.Overrides);
            Assert.Equal(before.Set.BlackoutDates, after.Set.BlackoutDates);
        }
        Assert.Equal(Next(original, 12), Next(reopened, 12));
    }

    [Fact]
    public void FromView_BuilderSchedule_FillsTheBuilderControls()
    {
        var view = StoreAndView(Form(f =>
        {
            f.Frequency = Frequency.Yearly;
            f.Months = [11];
            f.MonthlyMode = MonthlyMode.NthWeekday;
            f.Ordinal = 4;
            f.OrdinalDay = IsoDayOfWeek.Thursday;
            f.Times = [new TimeSpan(7, 45, 0)];
            f.End = EndMode.AfterCount;
            f.EndCount = 3;
        }));

        var form = ScheduleForm.FromView(view);

        Assert.Equal(RecurrenceMode.Builder, form.Mode);
        Assert.Equal(Frequency.Yearly, form.Frequency);
        Assert.Equal([11], form.Months);
        Assert.Equal(MonthlyMode.NthWeekday, form.MonthlyMode);
        Assert.Equal(4, form.Ordinal);
        Assert.Equal(IsoDayOfWeek.Thursday, form.OrdinalDay);
        Assert.Equal([new TimeSpan(7, 45, 0)], form.Times);
        Assert.Equal(EndMode.AfterCount, form.End);
        Assert.Equal(3, form.EndCount);
        Assert.Equal(March4, form.StartDate);
        Assert.Equal("FREQ=YEARLY;COUNT=3;BYMONTH=11;BYDAY=4TH;BYHOUR=7;BYMINUTE=45", form.RruleText);
    }

    [Fact]
    public void FromView_CronSchedule_OpensOnCronTabWithExpression()
    {
        var view = StoreAndView(Form(f =>
        {
            f.Mode = RecurrenceMode.Cron;
            f.CronText = "0 9 * * 1-5";
        }));

        var form = ScheduleForm.FromView(view);

        Assert.Equal(RecurrenceMode.Cron, form.Mode);
        Assert.Equal("0 9 * * 1-5", form.CronText);
        Assert.Equal(March4, form.StartDate);
    }

    [Fact]
    public void FromView_CopiesNameJobPoliciesRetryAndDelivery()
    {
        var view = StoreAndView(Form(f =>
        {
            f.Name = "Weekly digest";
            f.Description = "For the newsletter";
            f.JobType = JobType.Publish;
            f.Priority = SchedulePriority.High;
            f.MaxRuns = 40;
            f.MissedPolicy = MissedRunPolicy.RunAll;
            f.OverlapPolicy = OverlapPolicy.QueueOne;
            f.RetryStrategy = RetryStrategy.Linear;
            f.RetryAttempts = 4;
            f.RetryBaseDelaySeconds = 60;
            f.RetryMaxDelaySeconds = 600;
            f.TimeoutSeconds = 900;
            f.WebhookUrl = "https://hooks.example.com/digest";
            f.TitleTemplate = "Digest {date}";
            f.JobConfigJson = """{"format":"mp4","fps":30}""";
        }));

        var form = ScheduleForm.FromView(view);

        Assert.Equal("Weekly digest", form.Name);
        Assert.Equal("For the newsletter", form.Description);
        Assert.Equal(JobType.Publish, form.JobType);
        Assert.Equal(SchedulePriority.High, form.Priority);
        Assert.Equal(Zone, form.TimeZone);
        Assert.Equal(40, form.MaxRuns);
        Assert.Equal(MissedRunPolicy.RunAll, form.MissedPolicy);
        Assert.Equal(OverlapPolicy.QueueOne, form.OverlapPolicy);
        Assert.Equal(RetryStrategy.Linear, form.RetryStrategy);
        Assert.Equal(4, form.RetryAttempts);
        Assert.Equal(60, form.RetryBaseDelaySeconds);
        Assert.Equal(600, form.RetryMaxDelaySeconds);
        Assert.Equal(900, form.TimeoutSeconds);
        Assert.Equal("https://hooks.example.com/digest", form.WebhookUrl);
        Assert.Equal("Digest {date}", form.TitleTemplate);
        // Pretty-printed for the text area, and the same object again.
        Assert.Contains("\n", form.JobConfigJson, StringComparison.Ordinal);
        var config = ToInput(form).JobConfig!.Value;
        Assert.Equal("mp4", config.GetProperty("format").GetString());
        Assert.Equal(30, config.GetProperty("fps").GetInt32());
    }

    // TryLoadBuilder ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")]
    [InlineData("FREQ=YEARLY;BYYEARDAY=100;BYHOUR=9;BYMINUTE=0")]
    [InlineData("FREQ=DAILY;BYMINUTE=0,30")]
    [InlineData("FREQ=DAILY;BYMINUTE=15")]
    [InlineData("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO")]
    [InlineData("FREQ=MONTHLY;BYDAY=MO")]
    [InlineData("FREQ=DAILY;BYDAY=MO,WE")]
    [InlineData("FREQ=WEEKLY;BYMONTH=6;BYDAY=MO")]
    [InlineData("FREQ=HOURLY;BYHOUR=9,10")]
    [InlineData("FREQ=DAILY;UNTIL=20301231T170000Z")]
    public void TryLoadBuilder_RuleWithoutControls_ReturnsFalseAndLeavesFormAlone(string rrule)
    {
        var form = Form(f =>
        {
            f.Mode = RecurrenceMode.Rrule;
            f.RruleText = rrule;
        });

        var loaded = form.TryLoadBuilder(Rule(rrule));

        Assert.False(loaded);
        Assert.Equal(RecurrenceMode.Rrule, form.Mode);
        Assert.Equal(Frequency.Weekly, form.Frequency);
        Assert.Equal([new TimeSpan(9, 0, 0)], form.Times);
    }

    [Theory]
    [InlineData("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")]
    [InlineData("FREQ=YEARLY;BYYEARDAY=100;BYHOUR=9;BYMINUTE=0")]
    [InlineData("FREQ=DAILY;BYMINUTE=0,30")]
    public void FromView_RuleWithoutControls_OpensAsRruleTextWithTheSameRule(string rrule)
    {
        var original = Form(f =>
        {
            f.Mode = RecurrenceMode.Rrule;
            f.RruleText = rrule;
            f.StartTime = new TimeSpan(9, 0, 0);
        });

        var reopened = ScheduleForm.FromView(StoreAndView(original));

        Assert.Equal(RecurrenceMode.Rrule, reopened.Mode);
        Assert.Equal(RRuleText.Format(Rule(rrule)), reopened.RruleText);
        Assert.Equal(new TimeSpan(9, 0, 0), reopened.StartTime);
        Assert.Equal(Next(original, 8), Next(reopened, 8));
    }

    [Fact]
    public void TryLoadBuilder_WeeklyRule_FillsDaysTimesAndEnd()
    {
        var form = Form(f => f.Mode = RecurrenceMode.Rrule);

        var loaded = form.TryLoadBuilder(Rule("FREQ=WEEKLY;INTERVAL=3;UNTIL=20301231;BYDAY=TU,SA;BYHOUR=8,18;BYMINUTE=30"));

        Assert.True(loaded);
        Assert.Equal(RecurrenceMode.Builder, form.Mode);
        Assert.Equal(Frequency.Weekly, form.Frequency);
        Assert.Equal(3, form.Interval);
        Assert.Equal([IsoDayOfWeek.Tuesday, IsoDayOfWeek.Saturday], form.Weekdays);
        Assert.Equal([new TimeSpan(8, 30, 0), new TimeSpan(18, 30, 0)], form.Times);
        Assert.Equal(EndMode.OnDate, form.End);
        Assert.Equal(new DateTime(2030, 12, 31), form.EndDate);
    }

    [Fact]
    public void TryLoadBuilder_RuleWithoutHours_UsesTheStartTime()
    {
        var form = Form(f => f.StartTime = new TimeSpan(6, 45, 0));

        Assert.True(form.TryLoadBuilder(Rule("FREQ=DAILY;COUNT=5")));

        Assert.Equal([new TimeSpan(6, 45, 0)], form.Times);
        Assert.Equal(EndMode.AfterCount, form.End);
        Assert.Equal(5, form.EndCount);
    }

    [Fact]
    public void TryLoadBuilder_MonthlyDays_FillsDaysAndSkip()
    {
        var form = Form(_ => { });

        Assert.True(form.TryLoadBuilder(Rule("FREQ=MONTHLY;BYMONTHDAY=15,-1;BYHOUR=9;BYMINUTE=0;RSCALE=GREGORIAN;SKIP=FORWARD")));

        Assert.Equal(Frequency.Monthly, form.Frequency);
        Assert.Equal(MonthlyMode.DayOfMonth, form.MonthlyMode);
        Assert.Equal("15, -1", form.MonthDays);
        Assert.Equal(MonthDaySkip.Forward, form.Skip);
    }

    // Rules TryLoadBuilder accepts but the builder cannot hold: reopening such a schedule in the editor and saving it
    // changes when it runs: TryLoadBuilder must reject them (or the builder keep them exactly).
    [Theory]
    [InlineData("FREQ=MONTHLY;BYHOUR=9;BYMINUTE=0")]
    [InlineData("FREQ=YEARLY;BYHOUR=9;BYMINUTE=0")]
    [InlineData("FREQ=DAILY;BYMONTHDAY=1,15;BYHOUR=9;BYMINUTE=0")]
    [InlineData("FREQ=HOURLY;INTERVAL=6;BYMONTHDAY=1")]
    [InlineData("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU;BYHOUR=9;BYMINUTE=0")]
    [InlineData("FREQ=DAILY;UNTIL=20300320T120000;BYHOUR=9,18;BYMINUTE=0")]
    public void FromView_RuleTheBuilderCannotHold_KeepsTheSameOccurrences(string rrule)
    {
        var original = Form(f =>
        {
            f.Mode = RecurrenceMode.Rrule;
            f.RruleText = rrule;
            f.StartDate = new DateTime(2030, 3, 15);
            f.StartTime = new TimeSpan(9, 0, 0);
        });

        var reopened = ScheduleForm.FromView(StoreAndView(original));

        Assert.Equal(Next(original, 40), Next(reopened, 40));
    }

    [Fact]
    public void FromView_BuilderTimesInOneHour_KeepsTheRule()
    {
        var original = Form(f =>
        {
            f.Frequency = Frequency.Daily;
            f.Times = [new TimeSpan(9, 0, 0), new TimeSpan(9, 30, 0)];
        });

        var reopened = ScheduleForm.FromView(StoreAndView(original));

        Assert.Equal(["2030-03-04T09:00:00", "2030-03-04T09:30:00", "2030-03-05T09:00:00"], Next(reopened, 3));
        Assert.Equal(Next(original, 12), Next(reopened, 12));
    }

    [Fact]
    public void FromView_BuilderTimesInOneHour_ReopensInTheBuilder()
    {
        var original = Form(f =>
        {
            f.Frequency = Frequency.Daily;
            f.Times = [new TimeSpan(9, 0, 0), new TimeSpan(9, 30, 0)];
        });

        var reopened = ScheduleForm.FromView(StoreAndView(original));

        Assert.Equal(RecurrenceMode.Builder, reopened.Mode);
    }

    [Fact]
    public void ToInput_YearlyWithoutMonths_RunsInTheStartMonthOnly()
    {
        // The builder says "In (none = the start's month)".
        var form = Form(f =>
        {
            f.Frequency = Frequency.Yearly;
            f.Months = [];
            f.MonthDays = "15";
        });

        Assert.Equal(["2030-03-15T09:00:00", "2031-03-15T09:00:00"], Next(form, 2));
    }

    // Helpers ------------------------------------------------------------------------------------------------

    /// <summary>A valid recurring form (weekly on Monday at 09:00 from Monday 4 March 2030, New York), then <paramref name="change"/>.</summary>
    private static ScheduleForm Form(Action<ScheduleForm> change)
    {
        var form = new ScheduleForm
        {
            Name = "Digest",
            TimeZone = Zone,
            StartDate = March4,
            OnceDate = new DateTime(2030, 3, 5),
        };
        change(form);
        return form;
    }

    private static ScheduleInput ToInput(ScheduleForm form)
    {
        var errors = new List<ValidationError>();
        var input = form.ToInput(errors);
        Assert.Empty(errors);
        return input;
    }

    private static ScheduleTiming Timing(ScheduleForm form)
    {
        var errors = new List<ValidationError>();
        var timing = ScheduleTiming.Parse(form.ToInput(errors), Now, errors);
        Assert.True(errors.Count == 0, string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
        return timing!;
    }

    /// <summary>The next local wall times from the fixed clock, as the preview lists them.</summary>
    private static List<string> Next(ScheduleForm form, int count)
    {
        var timing = Timing(form);
        return timing.Type == ScheduleType.Once
            ? [ScheduleTiming.FormatLocal(timing.ScheduledAt!.Value)]
            : [.. timing.Set!.Next(Now, count, inclusive: true).Select(o => ScheduleTiming.FormatLocal(o.Local))];
    }

    private static RecurrenceRule Rule(string rrule)
    {
        var parsed = RRuleText.Parse(rrule);
        Assert.True(parsed.Value is not null, string.Join("; ", parsed.Errors.Select(e => e.Message)));
        return parsed.Value!;
    }

    /// <summary>The view of the schedule the service would store for this form (the fields <c>ScheduleService.Apply</c> writes).</summary>
    private static ScheduleView StoreAndView(ScheduleForm form)
    {
        var errors = new List<ValidationError>();
        var input = form.ToInput(errors);
        var timing = ScheduleTiming.Parse(input, Now, errors);
        Assert.True(errors.Count == 0, string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
        var id = Guid.NewGuid();
        var workspace = Guid.NewGuid();
        var created = new DateTime(2030, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        var schedule = new Schedule
        {
            Id = id,
            WorkspaceId = workspace,
            Name = input.Name!,
            Description = input.Description,
            JobType = input.JobType!.Value,
            JobConfig = input.JobConfig?.GetRawText() ?? "{}",
            ScheduleType = timing!.Type,
            TimeZone = timing.TimeZone,
            ScheduledAt = timing.ScheduledAt is { } at ? ScheduleTiming.FormatLocal(at) : null,
            RecurrenceRule = timing.Set is { } s ? RRuleText.Format(s.Rule) : null,
            RecurrenceStart = timing.Set is { } st ? ScheduleTiming.FormatLocal(st.Start) : null,
            CronExpression = timing.Cron,
            Status = ScheduleStatus.Active,
            Priority = input.Priority!.Value,
            MaxRuns = input.MaxRuns,
            MissedPolicy = input.MissedPolicy!.Value,
            OverlapPolicy = input.OverlapPolicy!.Value,
            RetryStrategy = input.Retry!.Strategy!.Value,
            RetryMaxAttempts = input.Retry.MaxAttempts!.Value,
            RetryBaseDelaySeconds = input.Retry.BaseDelaySeconds!.Value,
            RetryMaxDelaySeconds = input.Retry.MaxDelaySeconds!.Value,
            TimeoutSeconds = input.TimeoutSeconds,
            WebhookUrl = input.WebhookUrl,
            TitleTemplate = input.TitleTemplate,
            CreatedByUserId = "user-1",
            CreatedAt = created,
            UpdatedAt = created,
        };
        if (timing.Set is { } set)
        {
            schedule.Exceptions.AddRange(set.ExDates.Select(d => Exception(ScheduleExceptionKind.Skip, ScheduleTiming.FormatLocal(d), null)));
            schedule.Exceptions.AddRange(set.Overrides.Select(o => Exception(ScheduleExceptionKind.Move, ScheduleTiming.FormatLocal(o.Original), ScheduleTiming.FormatLocal(o.Replacement))));
            schedule.Exceptions.AddRange(set.BlackoutDates.Select(d => Exception(ScheduleExceptionKind.Blackout, ScheduleTiming.FormatLocal(d.AtMidnight()), null)));
        }
        return ScheduleService.ToView(schedule);

        ScheduleException Exception(ScheduleExceptionKind kind, string original, string? replacement) =>
            new() { Id = Guid.NewGuid(), WorkspaceId = workspace, ScheduleId = id, Kind = kind, Original = original, Replacement = replacement };
    }
}
