using Scheduling.Web.Api;

namespace Scheduling.Web.Features.Schedules;

/// <summary>
/// Request examples of the OpenAPI document (the reference page offers them in "try it").
/// <c>OpenApiContractTests</c> posts each one to the app, so an example that stops being valid fails a test.
/// </summary>
public static class ScheduleExamples
{
    public static readonly RequestExample[] Creates =
    [
        new("weekly", "Weekly: Mondays and Thursdays at 09:00 in New York", """
            {"name": "Weekly video", "jobType": "video_generation", "jobConfig": {"template": "weekly-recap"},
             "scheduleType": "recurring", "timezone": "America/New_York",
             "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0", "start": "2026-12-01T00:00"},
             "priority": "normal", "missedPolicy": "run_latest", "overlapPolicy": "skip",
             "retry": {"maxAttempts": 3, "strategy": "exponential", "baseDelaySeconds": 30, "maxDelaySeconds": 600},
             "webhookUrl": "https://render.example.com/hooks/scheduling"}
            """),
        new("cron", "Cron: weekdays at 18:30 in Berlin", """
            {"name": "Daily captions", "jobType": "caption_generation", "jobConfig": {},
             "scheduleType": "recurring", "timezone": "Europe/Berlin",
             "recurrence": {"cron": "30 18 * * 1-5"}}
            """),
        new("once", "One time: 20 December 2026 at 09:00 in Tokyo", """
            {"name": "Launch post", "jobType": "publish", "jobConfig": {"channel": "blog"},
             "scheduleType": "once", "scheduledAt": "2026-12-20T09:00", "timezone": "Asia/Tokyo"}
            """),
    ];

    public static readonly RequestExample[] Previews =
    [
        new("rrule", "The next 5 last Fridays of the month at 18:00", """
            {"rrule": "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=18;BYMINUTE=0", "dtstart": "2026-12-01T00:00", "timezone": "Europe/London", "count": 5}
            """),
        new("cron", "A cron expression", """
            {"cron": "0 9 * * 1-5", "dtstart": "2026-12-01T00:00", "timezone": "America/New_York", "count": 5}
            """),
    ];
}
