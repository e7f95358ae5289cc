using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SQLitePCL;
using Scheduling.Web.Data;
using Scheduling.Web.Features.Executions;

namespace Scheduling.Web.Features.Calendar;

/// <summary>A run as the calendar reads it (with <see cref="CalendarRunColumns.Counting"/>: no id, status or title).</summary>
public readonly record struct CalendarRunRow(Guid Id, Guid ScheduleId, DateTime ScheduledFor, bool IsManual, ExecutionStatus Status, string? Title);

/// <summary>What of each run a calendar reads.</summary>
public enum CalendarRunColumns
{
    /// <summary>Only what places a run (schedule, instant, manual): per-day counts. The index holds these, so no row is visited.</summary>
    Counting,

    /// <summary>Also the run's id and status: items.</summary>
    Items,

    /// <summary>Also its recorded title.</summary>
    ItemsWithTitles,
}

/// <summary>
/// The runs of a workspace in a range, the largest read of a calendar (12,000 rows for a month of 1,000 schedules).
/// SQLite stores GUIDs and instants as text, and EF Core's materialiser spends most of the read parsing them through
/// strings (~30 ms for those 12,000 rows); on SQLite this reads the native statement's UTF-8 bytes and parses them
/// in place (decision 0032). Other providers store them natively and go through EF Core.
/// </summary>
public static class CalendarRuns
{
    public static async Task<List<CalendarRunRow>> ReadAsync(AppDbContext db, Guid workspaceId, DateTime from, DateTime to, CalendarRunColumns columns, CancellationToken ct)
    {
        if (!db.Database.IsSqlite())
        {
            // The workspace is explicit on both paths (the same rows whatever the context's query filter would add).
            var rows = db.Executions.IgnoreQueryFilters().AsNoTracking()
                .Where(e => e.WorkspaceId == workspaceId && e.ScheduledFor >= from && e.ScheduledFor < to);
            return columns switch
            {
                CalendarRunColumns.Counting => await rows.Select(e => new CalendarRunRow(Guid.Empty, e.ScheduleId, e.ScheduledFor, e.IsManual, default, null)).ToListAsync(ct),
                CalendarRunColumns.Items => await rows.Select(e => new CalendarRunRow(e.Id, e.ScheduleId, e.ScheduledFor, e.IsManual, e.Status, null)).ToListAsync(ct),
                _ => await rows.Select(e => new CalendarRunRow(e.Id, e.ScheduleId, e.ScheduledFor, e.IsManual, e.Status, e.Title)).ToListAsync(ct),
            };
        }
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            return ReadSqlite((SqliteConnection)db.Database.GetDbConnection(), Sql.For(db, columns), workspaceId, from, to, columns, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static List<CalendarRunRow> ReadSqlite(SqliteConnection connection, string sql, Guid workspaceId, DateTime from, DateTime to, CalendarRunColumns columns, CancellationToken ct)
    {
        var handle = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(handle, sql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, handle);
        using (statement)
        {
            // The same text EF Core writes (upper-case GUIDs, "yyyy-MM-dd HH:mm:ss.FFFFFFF"), so text comparison is time order.
            Bind(handle, statement, 1, workspaceId.ToString("D").ToUpperInvariant());
            Bind(handle, statement, 2, from.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
            Bind(handle, statement, 3, to.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
            var rows = new List<CalendarRunRow>();
            while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                if ((rows.Count & 1023) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }
                // Columns: schedule, instant, manual, then (items) id, status, then (titles) title.
                var scheduleId = ParseGuid(raw.sqlite3_column_blob(statement, 0));
                var scheduledFor = ParseDateTime(raw.sqlite3_column_blob(statement, 1));
                var manual = raw.sqlite3_column_int64(statement, 2) != 0;
                if (columns == CalendarRunColumns.Counting)
                {
                    rows.Add(new CalendarRunRow(Guid.Empty, scheduleId, scheduledFor, manual, default, null));
                    continue;
                }
                string? title = null;
                if (columns == CalendarRunColumns.ItemsWithTitles && raw.sqlite3_column_type(statement, 5) != raw.SQLITE_NULL)
                {
                    title = Encoding.UTF8.GetString(raw.sqlite3_column_blob(statement, 5));
                }
                rows.Add(new CalendarRunRow(ParseGuid(raw.sqlite3_column_blob(statement, 3)), scheduleId, scheduledFor, manual,
                    ParseStatus(raw.sqlite3_column_blob(statement, 4)), title));
            }
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, handle);
            }
            return rows;
        }
    }

    private static void Bind(sqlite3 handle, sqlite3_stmt statement, int index, string value) =>
        SqliteException.ThrowExceptionForRC(raw.sqlite3_bind_text(statement, index, value), handle);

    /// <summary>A GUID as EF Core stores it on SQLite (text in any case), or as a 16-byte blob (Microsoft.Data.Sqlite's own default).</summary>
    public static Guid ParseGuid(ReadOnlySpan<byte> value)
    {
        if (value.Length == 16)
        {
            return new Guid(value);
        }
        return Utf8Parser.TryParse(value, out Guid guid, out var consumed) && consumed == value.Length
            ? guid
            : throw new FormatException($"'{Encoding.UTF8.GetString(value)}' is not a GUID.");
    }

    /// <summary>An instant as EF Core stores it on SQLite: "yyyy-MM-dd HH:mm:ss" with up to seven digits of fraction, UTC.</summary>
    public static DateTime ParseDateTime(ReadOnlySpan<byte> value)
    {
        if (value.Length >= 19 && value[4] == '-' && value[7] == '-' && value[10] is (byte)' ' or (byte)'T' && value[13] == ':' && value[16] == ':'
            && Digits(value, 0, 4, out var year) && Digits(value, 5, 2, out var month) && Digits(value, 8, 2, out var day)
            && Digits(value, 11, 2, out var hour) && Digits(value, 14, 2, out var minute) && Digits(value, 17, 2, out var second)
            && Fraction(value[19..], out var ticks)
            && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) && hour < 24 && minute < 60 && second < 60)
        {
            return new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(ticks);
        }
        // Anything else SQLite may hold (written by hand, another format): the parser Microsoft.Data.Sqlite uses.
        return DateTime.SpecifyKind(DateTime.Parse(Encoding.UTF8.GetString(value), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc);
    }

    private static bool Digits(ReadOnlySpan<byte> value, int start, int count, out int number)
    {
        number = 0;
        for (var i = start; i < start + count; i++)
        {
            var digit = value[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }
            number = number * 10 + digit;
        }
        return true;
    }

    private static bool Fraction(ReadOnlySpan<byte> value, out long ticks)
    {
        ticks = 0;
        if (value.IsEmpty)
        {
            return true;
        }
        if (value[0] != '.' || value.Length is < 2 or > 8 || !Digits(value, 1, value.Length - 1, out var digits))
        {
            return false;
        }
        ticks = digits;
        for (var i = value.Length - 1; i < 7; i++)
        {
            ticks *= 10;
        }
        return true;
    }

    private static readonly (byte[] Name, ExecutionStatus Status)[] Statuses =
        [.. Enum.GetValues<ExecutionStatus>().Select(s => (Encoding.UTF8.GetBytes(s.ToString()), s))];

    private static ExecutionStatus ParseStatus(ReadOnlySpan<byte> value)
    {
        foreach (var (name, status) in Statuses)
        {
            if (value.SequenceEqual(name))
            {
                return status;
            }
        }
        return Enum.Parse<ExecutionStatus>(Encoding.UTF8.GetString(value));
    }

    /// <summary>The statements, with the table and column names from the model (built once per column set).</summary>
    private static class Sql
    {
        private static readonly string?[] Texts = new string?[3];

        public static string For(AppDbContext db, CalendarRunColumns columns) => Texts[(int)columns] ??= Build(db, columns);

        private static string Build(AppDbContext db, CalendarRunColumns columns)
        {
            var entity = db.Model.FindEntityType(typeof(Execution))!;
            var table = entity.GetTableName()!;
            var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(table, entity.GetSchema());
            string Column(string property) => "\"" + entity.FindProperty(property)!.GetColumnName(store)! + "\"";
            var selected = new List<string> { Column(nameof(Execution.ScheduleId)), Column(nameof(Execution.ScheduledFor)), Column(nameof(Execution.IsManual)) };
            if (columns != CalendarRunColumns.Counting)
            {
                selected.AddRange([Column(nameof(Execution.Id)), Column(nameof(Execution.Status)), Column(nameof(Execution.Title))]);
            }
            return $"""
                SELECT {string.Join(", ", selected)}
                FROM "{table}"
                WHERE {Column(nameof(Execution.WorkspaceId))} = ?1 AND {Column(nameof(Execution.ScheduledFor))} >= ?2 AND {Column(nameof(Execution.ScheduledFor))} < ?3
                """;
        }
    }
}
