using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;

namespace Scheduling.LoadTest;

/// <summary>
/// Load script for the execution engine (docs/performance.md, "Dispatch under load").
/// <c>--n N</c>: N one-time schedules due at the same second, delivered to a loopback receiver.
/// <c>--memory N</c>: N active recurring schedules, then the app's RSS once the dispatcher is idle.
/// <c>--calendar N</c>: N recurring schedules with a fortnight of runs, then the calendar API for a month (CalendarLoad).
/// <c>--planning</c>: add to queue and suggestions on a channel with 5,000 posts, a wave of ten channels (PlanningLoad).
/// <c>--bulk</c>: bulk create of 1,000, a 10,000-row CSV import dry run, bulk pause of 1,000 by filter, the series page of a 500-episode series (BulkLoad).
/// A measurement, not a test: goals are printed PASS/MISS and the exit code is 0 unless the run itself broke.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(LoadOptions.Usage);
            return 2;
        }
        if (options.Help)
        {
            Console.WriteLine(LoadOptions.Usage);
            return 0;
        }

        var dll = options.App ?? LocateApp();
        if (dll is null || !File.Exists(dll))
        {
            Console.Error.WriteLine($"App not found ({dll ?? "no repository root above the current directory"}). Build it first: dotnet build src/Scheduling.Web -c Release, or pass --app PATH.");
            return 2;
        }

        var work = Directory.CreateTempSubdirectory("scheduling-load-");
        Console.WriteLine($"Scheduling.LoadTest: {(options.Planning ? "planning mode" : options.Bulk ? "bulk mode" : options.Calendar > 0 ? $"calendar mode, {options.Calendar} recurring schedules" : options.Memory > 0 ? $"memory mode, {options.Memory} recurring schedules" : $"dispatch mode, N = {options.N}")}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {MemTotalMb()} MB RAM, {Environment.OSVersion}, runtime {Environment.Version}");
        Console.WriteLine($"load average at start: {LoadAverage()} (other work on the machine skews every figure)");
        Console.WriteLine($"app: {dll}");
        Console.WriteLine($"work dir: {work.FullName}");

        await using var receiver = await Receiver.StartAsync();
        Console.WriteLine($"receiver: {receiver.Url}");
        try
        {
            if (options.Planning)
            {
                return await PlanningLoad.RunAsync(dll, work.FullName, options.Environment, repeats: 15);
            }
            if (options.Bulk)
            {
                return await BulkLoad.RunAsync(dll, work.FullName, options.Environment, repeats: 7);
            }
            if (options.Calendar > 0)
            {
                return await CalendarLoad.RunAsync(options.Calendar, dll, work.FullName, options.Environment, repeats: 15, options.CalendarPage);
            }
            return options.Memory > 0
                ? await MemoryRunAsync(options, dll, work.FullName, receiver)
                : await DispatchRunAsync(options, dll, work.FullName, receiver);
        }
        finally
        {
            if (!options.KeepWorkDir)
            {
                TryDelete(work.FullName);
            }
        }
    }

    // ---------------------------------------------------------------- dispatch mode

    private static async Task<int> DispatchRunAsync(LoadOptions options, string dll, string work, Receiver receiver)
    {
        var n = options.N;
        var postgres = options.Provider == "postgresql";

        // 1. The ceiling: single-row commits on the database alone, before the app starts (no CPU contention).
        ThrowawayPostgres? pg = null;
        double rawRate;
        string rawLabel;
        if (postgres)
        {
            pg = await ThrowawayPostgres.StartAsync(work, options.PgFast, options.PgStatements);
            var (rows, elapsed) = await pg.MeasureCommitsAsync(Math.Min(n, 5000), TimeSpan.FromSeconds(30));
            rawRate = rows / Math.Max(elapsed.TotalSeconds, 1e-9);
            rawLabel = $"raw PostgreSQL ceiling {rawRate:0} single-row commits/s (same run, {(options.PgFast ? "fsync off" : "fsync on")})";
            Console.WriteLine($"PostgreSQL on 127.0.0.1:{pg.Port}: {rows} single-row INSERT transactions in {elapsed.TotalSeconds:0.00} s = {rawRate:0} rows/s ({(options.PgFast ? "fsync, synchronous_commit off" : "default durability")})");
        }
        else
        {
            var raw = RawSqlite.Measure(Path.Combine(work, "raw.db"), n, TimeSpan.FromSeconds(60));
            rawRate = raw.RowsPerSecond;
            rawLabel = $"raw SQLite ceiling     {raw.RowsPerSecond:0} single-row commits/s (same run, WAL)";
            Console.WriteLine($"raw SQLite: {raw.Rows} single-row INSERT transactions in {raw.Elapsed.TotalSeconds:0.00} s = {raw.RowsPerSecond:0} rows/s (journal_mode={raw.JournalMode}, synchronous={raw.Synchronous})");
        }

        var nodes = new List<AppProcess>();
        try
        {
            // One after the other: the first applies the migrations and seeds the account and token the others find.
            for (var i = 0; i < options.Nodes; i++)
            {
                IReadOnlyList<KeyValuePair<string, string>> environment = postgres
                    ?
                    [
                        new("Database__Provider", "PostgreSql"),
                        new("ConnectionStrings__Scheduling", pg!.ConnectionString("load", options.PoolSize)),
                        new("Execution__NodeName", $"node-{i + 1}"),
                        new("Database__MigrateOnStartup", i == 0 ? "true" : "false"),
                        .. options.Environment,
                    ]
                    : options.Environment;
                var node = await AppProcess.StartAsync(dll, work, options.Workers, environment, $"app{(options.Nodes > 1 ? $"-{i + 1}" : "")}.log");
                nodes.Add(node);
                Console.WriteLine($"app {(options.Nodes > 1 ? $"node-{i + 1} " : "")}started: pid {node.Pid}, {node.BaseUrl}, healthy after {node.StartupTime.TotalSeconds:0.0} s, RSS {node.RssMb():0} MB");
            }
            return await BurstAsync(options, nodes, pg, rawLabel, work, receiver);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
            if (pg is not null)
            {
                await pg.DisposeAsync();
            }
        }
    }

    private static async Task<int> BurstAsync(LoadOptions options, List<AppProcess> nodes, ThrowawayPostgres? pg, string rawLabel, string work, Receiver receiver)
    {
        var n = options.N;
        var apis = nodes.Select(node => node.CreateApiClient()).ToList();
        var api = apis[0];
        if (options.Subscribe)
        {
            // Every lifecycle event of the workspace to the receiver: the burst's creates, starts and completions.
            using var subscribed = await api.PostAsJsonAsync("/api/v1/workspace/event-subscriptions", new { url = receiver.EventsUrl, events = new[] { "*" }, description = "load test" });
            if (!subscribed.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"the event subscription answered {(int)subscribed.StatusCode}: {await subscribed.Content.ReadAsStringAsync()}");
            }
            Console.WriteLine($"event subscription: every event to {receiver.EventsUrl}");
        }

        // 2. Lead time: probe the creation rate with schedules due in a day, then delete them.
        var probeDue = DateTime.UtcNow.AddDays(1);
        // A first round warms the app up (JIT, pools) so the probe measures the steady rate.
        var warmUp = await CreateManyAsync(apis, Math.Min(16 * nodes.Count, n), options.Concurrency, i => OnceBody($"warm-up-{i}", probeDue, receiver.Url), CancellationToken.None);
        foreach (var id in warmUp.Ids)
        {
            using var _ = await api.DeleteAsync($"/api/v1/schedules/{id}");
        }
        var probe = await CreateManyAsync(apis, Math.Min(64, n), options.Concurrency, i => OnceBody($"probe-{i}", probeDue, receiver.Url), CancellationToken.None);
        foreach (var id in probe.Ids)
        {
            using var _ = await api.DeleteAsync($"/api/v1/schedules/{id}");
        }
        var rate = probe.Ids.Count / Math.Max(probe.Elapsed.TotalSeconds, 0.001);

        // 2b. Warm-up bursts: a server that has been running has its code compiled (tiered JIT) and its pools
        // filled. .NET optimises a method only after its 30th call, and much of a burst's path is called once per ledger
        // batch, so one small burst left the nodes compiling it during the measured one (decision 0049).
        var warmUpSize = options.WarmUp ?? Math.Min(n, 2000);
        for (var round = 1; warmUpSize > 0 && round <= options.WarmUpRounds; round++)
        {
            var warmStart = DateTime.UtcNow;
            var warmDue = new DateTime(warmStart.Ticks - warmStart.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc)
                .AddSeconds(Math.Ceiling(warmUpSize / Math.Max(rate, 1) * 1.5) + 3);
            var warm = await CreateManyAsync(apis, warmUpSize, options.Concurrency, i => OnceBody($"warm-run-{round}-{i:00000}", warmDue, receiver.Url), CancellationToken.None);
            var warmIds = warm.Ids.ToHashSet();
            while (receiver.DistinctSchedules(warmIds) < warmIds.Count && DateTime.UtcNow < warmDue.AddSeconds(90))
            {
                await Task.Delay(200);
            }
            Console.WriteLine($"warm-up {round}: {receiver.DistinctSchedules(warmIds)} of {warmIds.Count} runs due at {warmDue:HH:mm:ss} delivered by +{(DateTime.UtcNow - warmDue).TotalSeconds:0.0} s (not part of the figures)");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        var estimate = TimeSpan.FromSeconds(n / Math.Max(rate, 1));
        var lead = options.Lead ?? estimate * 1.5 + TimeSpan.FromSeconds(10);
        var now = DateTime.UtcNow;
        var due = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc).AddSeconds(Math.Ceiling(lead.TotalSeconds) + 1);
        Console.WriteLine($"probe: {probe.Ids.Count} created in {probe.Elapsed.TotalSeconds:0.00} s ({rate:0}/s, {options.Concurrency} concurrent) → all due at {due:HH:mm:ss} UTC (lead {(due - now).TotalSeconds:0} s)");

        // 3. Create the N schedules, all due at the same second, spread over the nodes.
        receiver.Clear();
        using var creationCancel = new CancellationTokenSource(due - DateTime.UtcNow + TimeSpan.FromSeconds(30));
        var created = await CreateManyAsync(apis, n, options.Concurrency, i => OnceBody($"load-{i:00000}", due, receiver.Url), creationCancel.Token);
        var createdDone = DateTime.UtcNow;
        Console.WriteLine($"created: {created.Ids.Count} of {n} in {created.Elapsed.TotalSeconds:0.00} s ({created.Ids.Count / Math.Max(created.Elapsed.TotalSeconds, 0.001):0}/s), {created.Failures} failed{(created.FirstError is { } e ? $" (first: {e})" : "")}");
        if (createdDone > due)
        {
            Console.WriteLine($"WARNING: creation finished {(createdDone - due).TotalSeconds:0.0} s after the due second: lag includes creation. Raise --lead.");
        }
        else
        {
            Console.WriteLine($"all created {(due - createdDone).TotalSeconds:0.0} s before the due second");
        }
        var expected = created.Ids.ToHashSet();
        while (DateTime.UtcNow < due)
        {
            await Task.Delay(50);
        }
        var cpuAtDue = nodes.Select(node => node.CpuTime()).ToArray();
        var machineAtDue = MachineCpu();
        var ownCpuAtDue = Process.GetCurrentProcess().TotalProcessorTime;
        var commitsAtDue = pg is null ? 0 : await pg.CommitsAsync();
        if (pg is not null && options.PgStatements)
        {
            await pg.ResetStatementsAsync();
        }

        // 4. Wait for the deliveries: until all arrived, or the timeout after the due second. With --kill-one the last
        // node is killed (SIGKILL) once a third of the runs arrived; the others must deliver the rest.
        var deadline = due + TimeSpan.FromSeconds(options.TimeoutSeconds);
        var rssPeak = 0.0;
        var lastReport = DateTime.UtcNow;
        AppProcess? killed = null;
        DateTime? killedAt = null;
        var deliveredAtKill = 0;
        var killedCpu = TimeSpan.Zero;
        while (DateTime.UtcNow < deadline)
        {
            rssPeak = Math.Max(rssPeak, nodes.Where(node => node != killed).Max(node => node.RssMb()));
            var distinct = receiver.DistinctSchedules(expected);
            if (distinct >= expected.Count && DateTime.UtcNow > due)
            {
                break;
            }
            if (options.KillOne && killed is null && nodes.Count > 1 && distinct >= expected.Count / 3)
            {
                killed = nodes[^1];
                killedCpu = killed.CpuTime() - cpuAtDue[^1];
                killed.Kill();
                killedAt = DateTime.UtcNow;
                deliveredAtKill = distinct;
                Console.WriteLine($"  t+{(killedAt.Value - due).TotalSeconds:0.0} s: killed {killed.Name} (SIGKILL) with {distinct} of {expected.Count} delivered");
            }
            if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(5) && DateTime.UtcNow > due)
            {
                Console.WriteLine($"  t+{(DateTime.UtcNow - due).TotalSeconds:0} s: {distinct} delivered");
                lastReport = DateTime.UtcNow;
            }
            await Task.Delay(200);
        }
        var deliveryWindow = DateTime.UtcNow - due;
        var machine = MachineCpu();
        var appCpu = killedCpu + nodes.Select((node, i) => node == killed ? TimeSpan.Zero : node.CpuTime() - cpuAtDue[i]).Aggregate(TimeSpan.Zero, (a, b) => a + b);
        var ownCpu = Process.GetCurrentProcess().TotalProcessorTime - ownCpuAtDue;
        var commits = pg is null ? 0 : await pg.CommitsAsync() - commitsAtDue;
        // A short grace for late duplicates (a retry or a second dispatch would show here).
        await Task.Delay(TimeSpan.FromSeconds(options.DuplicateGraceSeconds));
        var status = await GetStatusAsync(api);

        // 5. Figures.
        var deliveries = receiver.Snapshot();
        var ours = deliveries.Where(d => d.ScheduleId is { } s && expected.Contains(s)).ToList();
        var byKey = ours.GroupBy(d => d.IdempotencyKey).ToList();
        var duplicates = byKey.Sum(g => g.Count() - 1);
        var firstPerKey = byKey.Select(g => g.MinBy(d => d.ReceivedAt)!).ToList();
        var deliveredSchedules = firstPerKey.Select(d => d.ScheduleId!.Value).ToHashSet();
        var missing = expected.Count - deliveredSchedules.Count;
        var lags = firstPerKey.Select(d => Math.Max(0, (d.ReceivedAt - d.ScheduledFor).TotalSeconds)).Order().ToArray();
        var first = firstPerKey.Count > 0 ? firstPerKey.Min(d => d.ReceivedAt) : (DateTime?)null;
        var last = firstPerKey.Count > 0 ? firstPerKey.Max(d => d.ReceivedAt) : (DateTime?)null;
        var span = first is { } f && last is { } l ? (l - f).TotalSeconds : 0;
        var throughput = span > 0 ? firstPerKey.Count / span : double.NaN;
        var throughputFromDue = last is { } l2 && l2 > due ? firstPerKey.Count / (l2 - due).TotalSeconds : double.NaN;
        var p95 = Percentile(lags, 0.95);
        var p99 = Percentile(lags, 0.99);

        Console.WriteLine();
        Console.WriteLine($"== Dispatch under load ({(pg is null ? "SQLite" : "PostgreSQL")}, {nodes.Count} node{(nodes.Count > 1 ? "s" : "")}) ==");
        Console.WriteLine($"N                      {n}");
        Console.WriteLine($"created                {created.Ids.Count} in {created.Elapsed.TotalSeconds:0.00} s ({options.Concurrency} concurrent POSTs)");
        Console.WriteLine($"delivered              {deliveredSchedules.Count}");
        Console.WriteLine($"duplicates             {duplicates} (same Idempotency-Key received again; {ours.Count} requests in all)");
        Console.WriteLine($"missing                {missing}");
        Console.WriteLine($"lag receiver p50/p95/p99  {Fmt(Percentile(lags, 0.50))} / {Fmt(p95)} / {Fmt(p99)} s (max {Fmt(lags.Length > 0 ? lags[^1] : null)} s)");
        Console.WriteLine($"lag engine   p50/p95/p99  {Fmt(status?.LagP50Seconds)} / {Fmt(status?.LagP95Seconds)} / {Fmt(status?.LagP99Seconds)} s (StartedAt − ScheduledFor, {status?.StartedLastHour} started in the last hour)");
        Console.WriteLine($"first / last delivery  +{Fmt(first is { } ff ? (ff - due).TotalSeconds : null)} s / +{Fmt(last is { } ll ? (ll - due).TotalSeconds : null)} s after the due second");
        Console.WriteLine($"throughput             {throughput:0.0} deliveries/s (first → last), {throughputFromDue:0.0}/s (due second → last)");
        if (nodes.Count > 1)
        {
            foreach (var group in firstPerKey.GroupBy(d => d.Node).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var nodeLags = group.Select(d => Math.Max(0, (d.ReceivedAt - d.ScheduledFor).TotalSeconds)).Order().ToArray();
                Console.WriteLine($"  {group.Key,-20} {group.Count(),6} delivered, lag p50/p95/p99 {Fmt(Percentile(nodeLags, 0.50))} / {Fmt(Percentile(nodeLags, 0.95))} / {Fmt(Percentile(nodeLags, 0.99))} s");
            }
        }
        if (killedAt is { } kill)
        {
            var afterKill = firstPerKey.Where(d => d.ReceivedAt > kill).ToList();
            var lastAfterKill = afterKill.Count > 0 ? afterKill.Max(d => d.ReceivedAt) : (DateTime?)null;
            // A run whose POST the killed node sent but whose outcome it did not save is sent again with its key
            // (at least once); any other duplicate would be the engine's fault.
            var inFlight = byKey.Count(g => g.Count() > 1 && g.MinBy(d => d.ReceivedAt) is { } firstSeen && firstSeen.Node == killed!.Name && firstSeen.ReceivedAt <= kill);
            Console.WriteLine($"duplicates at the kill {inFlight} of {duplicates} first sent by {killed!.Name} before the kill (its POST went, its outcome was not saved), {duplicates - inFlight} other");
            Console.WriteLine($"after the kill         {expected.Count - deliveredAtKill} runs were not delivered yet; {afterKill.Count} arrived after it, the last +{Fmt(lastAfterKill is { } la ? (la - kill).TotalSeconds : null)} s after the kill{(missing > 0 ? $"; {missing} never" : "")}");
        }
        Console.WriteLine($"load average           {LoadAverage()} (1/5/15 min, at the end)");
        Console.WriteLine(rawLabel);
        if (pg is not null)
        {
            Console.WriteLine($"database commits       {commits} in {deliveryWindow.TotalSeconds:0.0} s = {commits / Math.Max(deliveryWindow.TotalSeconds, 0.001):0}/s (pg_stat_database.xact_commit of the app's database, every node and Hangfire)");
            if (options.PgStatements)
            {
                // Read after the burst: the statements of the wait for the last delivery are in it too (few).
                var top = await pg.TopStatementsAsync(15);
                var total = top.Sum(t => t.TotalMs);
                Console.WriteLine($"server time by statement (pg_stat_statements since the due second; top {top.Count}: {total:0} ms):");
                foreach (var (totalMs, calls, rows, query) in top)
                {
                    var text = System.Text.RegularExpressions.Regex.Replace(query, @"\s+", " ");
                    Console.WriteLine($"  {totalMs,8:0} ms {calls,7} calls {totalMs / Math.Max(calls, 1),7:0.000} ms each {rows,8} rows  {Clip(text, 140)}");
                }
            }
        }
        Console.WriteLine($"app CPU                {appCpu.TotalSeconds:0.0} s over the {deliveryWindow.TotalSeconds:0.0} s from the due second to the last delivery = {appCpu.TotalSeconds / Math.Max(deliveryWindow.TotalSeconds, 0.001):0.00} of {Environment.ProcessorCount} cores{(nodes.Count > 1 ? ", summed over the nodes" : "")}; {appCpu.TotalMilliseconds / Math.Max(firstPerKey.Count, 1):0.0} ms CPU per delivery (this script: {ownCpu.TotalSeconds:0.0} s)");
        var (busy, all) = (machine.Busy - machineAtDue.Busy, machine.All - machineAtDue.All);
        if (all > 0)
        {
            // Whether the burst is bound by the machine's cores: what the nodes did not use went to PostgreSQL, this script,
            // its webhook receiver and anything else running.
            var busyCores = Environment.ProcessorCount * (double)busy / all;
            var windowSeconds = Math.Max(deliveryWindow.TotalSeconds, 0.001);
            Console.WriteLine($"machine CPU            {busyCores:0.00} of {Environment.ProcessorCount} cores busy over the same window (/proc/stat): the app nodes {appCpu.TotalSeconds / windowSeconds:0.00}, everything else (PostgreSQL, this script and its receiver) {busyCores - appCpu.TotalSeconds / windowSeconds:0.00}");
        }
        foreach (var node in nodes.Where(node => node != killed))
        {
            Console.WriteLine($"app RSS{(nodes.Count > 1 ? $" {node.Name}" : ""),-16} {node.RssMb():0} MB now, {Math.Max(rssPeak, node.PeakRssMb()):0} MB peak (VmHWM)");
        }
        Console.WriteLine($"engine after the run   processing {status?.Processing}, scheduled {status?.Scheduled}, due now {status?.DueNow}, recovered {status?.RecoveredSinceStart}");
        Console.WriteLine();
        Console.WriteLine($"goal all delivered     {Verdict(missing == 0)} ({deliveredSchedules.Count}/{expected.Count})");
        Console.WriteLine($"goal zero duplicates   {Verdict(duplicates == 0)} ({duplicates})");
        Console.WriteLine($"goal p95 ≤ 2 s         {Verdict(p95 is <= 2.0 && missing == 0)} ({Fmt(p95)} s{(missing > 0 ? ", over delivered only" : "")})");
        Console.WriteLine($"goal p99 ≤ {(nodes.Count > 1 ? "3" : "5")} s         {Verdict(p99 is { } q && q <= (nodes.Count > 1 ? 3.0 : 5.0) && missing == 0)} ({Fmt(p99)} s{(missing > 0 ? ", over delivered only" : "")})");
        if (killedAt is { } killTime)
        {
            var rest = firstPerKey.Where(d => d.ReceivedAt > killTime).Select(d => (d.ReceivedAt - killTime).TotalSeconds).DefaultIfEmpty(0).Max();
            Console.WriteLine($"goal rest ≤ 30 s after the kill  {Verdict(missing == 0 && rest <= 30)} ({rest:0.0} s)");
        }
        if (options.Subscribe)
        {
            // The events of the burst's runs: each run's execution.started and execution.completed, once each.
            var eventsDeadline = DateTime.UtcNow.AddSeconds(options.TimeoutSeconds);
            List<Receiver.LifecycleEvent> runEvents;
            while (true)
            {
                runEvents = [.. receiver.Events().Where(e => e.ScheduleId is { } id && expected.Contains(id) && e.Type.StartsWith("execution.", StringComparison.Ordinal))];
                if (runEvents.Count(e => e.Type == "execution.completed") >= expected.Count || DateTime.UtcNow > eventsDeadline)
                {
                    break;
                }
                await Task.Delay(200);
            }
            var allCpu = nodes.Select((node, i) => node == killed ? TimeSpan.Zero : node.CpuTime() - cpuAtDue[i]).Aggregate(killedCpu, (a, b) => a + b);
            var lastEvent = runEvents.Count > 0 ? runEvents.Max(e => e.ReceivedAt) : (DateTime?)null;
            var eventDuplicates = runEvents.GroupBy(e => e.Id).Sum(g => g.Count() - 1);
            var perType = runEvents.GroupBy(e => e.Type).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Select(e => e.Id).Distinct().Count()}");
            Console.WriteLine($"events of the burst's runs  {string.Join(", ", perType)}; {eventDuplicates} duplicate(s); the last +{Fmt(lastEvent is { } le ? (le - due).TotalSeconds : null)} s after the due second");
            Console.WriteLine($"app CPU with the events      {allCpu.TotalSeconds:0.0} s from the due second to the last event = {allCpu.TotalMilliseconds / Math.Max(firstPerKey.Count, 1):0.0} ms per delivery (issue 12 goal with a subscription: ≤ 0.9 ms, p95 ≤ 1.5 s, p99 ≤ 2 s)");
            Console.WriteLine($"goal every event once  {Verdict(eventDuplicates == 0 && runEvents.Select(e => e.Id).Distinct().Count() == 2 * expected.Count)} ({runEvents.Select(e => e.Id).Distinct().Count()} of {2 * expected.Count})");
        }
        Console.WriteLine();
        if (pg is null)
        {
            Breakdown.PrintSqlite(Path.Combine(work, "load.db"), due);
        }
        else
        {
            await Breakdown.PrintPostgresAsync(pg.ConnectionString("load", 2), due);
        }
        foreach (var node in nodes.Where(node => node.WarningLines.Count > 0))
        {
            Console.WriteLine();
            Console.WriteLine($"{node.Name} log: {node.WarningLines.Count} warning/error line(s); first ones:");
            foreach (var line in node.WarningLines.Take(10))
            {
                Console.WriteLine($"  {line}");
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- memory mode

    private static async Task<int> MemoryRunAsync(LoadOptions options, string dll, string work, Receiver receiver)
    {
        var n = options.Memory;
        await using var app = await AppProcess.StartAsync(dll, work, options.Workers, options.Environment);
        var baseline = app.RssMb();
        Console.WriteLine($"app started: pid {app.Pid}, {app.BaseUrl}, healthy after {app.StartupTime.TotalSeconds:0.0} s, RSS {baseline:0} MB");
        using var api = app.CreateApiClient();

        string[] zones = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo", "Africa/Johannesburg"];
        var random = new Random(42);
        var times = Enumerable.Range(0, n).Select(_ => $"{random.Next(24):00}:{random.Next(60):00}").ToArray();
        using var creationCancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        var created = await CreateManyAsync(api, n, options.Concurrency, i => new
        {
            name = $"memory-{i:00000}",
            jobType = "export",
            scheduleType = "recurring",
            timezone = zones[i % zones.Length],
            recurrence = new { frequency = "daily", timesOfDay = new[] { times[i] } },
            webhookUrl = receiver.Url,
        }, creationCancel.Token);
        var afterCreation = app.RssMb();
        Console.WriteLine($"created: {created.Ids.Count} of {n} in {created.Elapsed.TotalSeconds:0.0} s ({created.Ids.Count / Math.Max(created.Elapsed.TotalSeconds, 0.001):0}/s), {created.Failures} failed{(created.FirstError is { } e ? $" (first: {e})" : "")}; RSS {afterCreation:0} MB");

        // Settle: the dispatcher keeps polling (and runs the few schedules whose time comes up); sample RSS.
        var samples = new List<double>();
        var settle = TimeSpan.FromSeconds(options.SettleSeconds);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < settle)
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            samples.Add(app.RssMb());
        }
        var status = await GetStatusAsync(api);
        var idle = app.RssMb();
        var peak = app.PeakRssMb();
        Console.WriteLine();
        Console.WriteLine("== Memory with active schedules ==");
        Console.WriteLine($"active schedules       {created.Ids.Count} (daily, random local time, {zones.Length} zones)");
        Console.WriteLine($"RSS after start        {baseline:0} MB (seeded, no schedules)");
        Console.WriteLine($"RSS after creation     {afterCreation:0} MB");
        Console.WriteLine($"RSS idle ({settle.TotalSeconds:0} s later)   {idle:0} MB (samples every 5 s: min {samples.DefaultIfEmpty(0).Min():0}, max {samples.DefaultIfEmpty(0).Max():0})");
        Console.WriteLine($"load average           {LoadAverage()} (1/5/15 min, at the end)");
        Console.WriteLine($"RSS peak (VmHWM)       {peak:0} MB");
        Console.WriteLine($"runs during the wait   {receiver.Snapshot().Count} delivered (schedules whose daily time came up); engine due now {status?.DueNow}, processing {status?.Processing}");
        Console.WriteLine();
        Console.WriteLine($"goal RSS < 300 MB      {Verdict(idle < 300)} (idle {idle:0} MB; peak {peak:0} MB)");
        return 0;
    }

    // ---------------------------------------------------------------- API helpers

    private static object OnceBody(string name, DateTime dueUtc, string receiverUrl) => new
    {
        name,
        jobType = "export",
        scheduleType = "once",
        scheduledAt = dueUtc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
        timezone = "UTC",
        webhookUrl = receiverUrl,
    };

    private sealed record Creation(List<Guid> Ids, int Failures, string? FirstError, TimeSpan Elapsed);

    /// <summary>POSTs <paramref name="count"/> schedules, <paramref name="concurrency"/> at a time; failures are counted, not retried.</summary>
    private static Task<Creation> CreateManyAsync(HttpClient api, int count, int concurrency, Func<int, object> body, CancellationToken ct) =>
        CreateManyAsync([api], count, concurrency, body, ct);

    /// <summary>As above, the requests spread over the nodes' clients in turn.</summary>
    private static async Task<Creation> CreateManyAsync(IReadOnlyList<HttpClient> apis, int count, int concurrency, Func<int, object> body, CancellationToken ct)
    {
        var ids = new ConcurrentBag<Guid>();
        var failures = 0;
        string? firstError = null;
        var next = -1;
        var watch = Stopwatch.StartNew();
        async Task WorkerAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count && !ct.IsCancellationRequested)
            {
                try
                {
                    using var response = await apis[i % apis.Count].PostAsJsonAsync("/api/v1/schedules", body(i), ct);
                    if (response.IsSuccessStatusCode)
                    {
                        var view = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                        ids.Add(view.GetProperty("id").GetGuid());
                    }
                    else
                    {
                        Interlocked.Increment(ref failures);
                        var text = await response.Content.ReadAsStringAsync(ct);
                        Interlocked.CompareExchange(ref firstError, $"HTTP {(int)response.StatusCode}: {Clip(text, 300)}", null);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstError, ex.Message, null);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => WorkerAsync()));
        return new Creation([.. ids], failures, firstError, watch.Elapsed);
    }

    private sealed record EngineStatus(long Processing, long Scheduled, long DueNow, int StartedLastHour, double? LagP50Seconds, double? LagP95Seconds, double? LagP99Seconds, long RecoveredSinceStart);

    private static async Task<EngineStatus?> GetStatusAsync(HttpClient api)
    {
        try
        {
            return await api.GetFromJsonAsync<EngineStatus>("/api/v1/scheduler/status", JsonSerializerOptions.Web);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
        {
            Console.WriteLine($"scheduler/status failed: {ex.Message}");
            return null;
        }
    }

    // ---------------------------------------------------------------- small helpers

    internal static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>The machine's busy and total CPU time so far, in clock ticks summed over its cores (/proc/stat's first line).</summary>
    internal static (long Busy, long All) MachineCpu()
    {
        if (!File.Exists("/proc/stat"))
        {
            return (0, 0);
        }
        // cpu user nice system idle iowait irq softirq steal ...: idle and iowait are the only ticks not spent working.
        var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        var all = ticks.Sum();
        return (all - ticks[3] - ticks[4], all);
    }

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Fmt(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";

    private static string Verdict(bool met) => met ? "PASS" : "MISS";

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static string? LocateApp()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Scheduling.Web.sln")))
                {
                    return Path.Combine(dir.FullName, "src", "Scheduling.Web", "bin", "Release", "net10.0", "Scheduling.Web.dll");
                }
            }
        }
        return null;
    }

    private static long MemTotalMb()
    {
        var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Command line.</summary>
internal sealed record LoadOptions
{
    public const string Usage = """
        dotnet run -c Release --project bench/Scheduling.LoadTest -- [options]
          --n N              one-time schedules due at the same second (default 2000)
          --memory N         memory mode: N active recurring schedules, then RSS when idle
          --calendar N       calendar mode: N recurring schedules + a fortnight of runs, then the calendar API for a month
          --planning         planning mode: add to queue and suggestions on a channel with 5,000 posts, a wave of 10 channels (preview and create)
          --subscribe        dispatch mode with an event subscription (every event) to the receiver: also reports the runs' events and the CPU until the last one
          --bulk             bulk mode: bulk create of 1,000, import dry run of 10,000 CSV rows, bulk pause of 1,000 by filter, series page of 500 episodes
          --app PATH         Scheduling.Web.dll (default: src/Scheduling.Web/bin/Release/net10.0 under the repo root)
          --workers N        Execution__WorkerCount for the app (default: the app's own, 20)
          --concurrency N    concurrent create requests (default 16)
          --lead SECONDS     due second = now + this (default: measured creation time × 1.5 + 10 s)
          --timeout SECONDS  how long after the due second to wait for deliveries (default 120)
          --settle SECONDS   memory mode: idle time before reading RSS (default 60)
          --env KEY=VALUE    extra environment for the app (repeatable), e.g. Execution__DispatchBatchSize=500
          --warmup N         a burst of N runs first, not measured: JIT and pools as in a running server (default: as many as
                             --n, at most 2000; 0 = cold)
          --warmup-rounds R  that many warm-up bursts, one after the other (default 2: the tiered JIT optimises the hot path
                             only after its 30th call, and much of it is called once per batch)
          --provider NAME    sqlite (default: one node on a SQLite file) or postgresql (a throwaway PostgreSQL on 127.0.0.1)
          --nodes N          app processes on the one database (postgresql only; default 1), creation spread over them
          --kill-one         kill the last node with SIGKILL once a third of the runs arrived; report how long the rest took
          --pg-fast          PostgreSQL with fsync and synchronous_commit off (as the tests run it); default durability otherwise
          --pg-statements    PostgreSQL counts its statements (pg_stat_statements): the burst's top ones by server time are printed
          --pool N           the app's connection pool size on PostgreSQL (Maximum Pool Size; default 50)
          --keep             keep the temporary work directory (database, app log)
          --page             with --calendar: the month page in Chromium too (CHROMIUM_PATH, default /usr/bin/chromium;
                             circuit memory needs dotnet-gcdump: dotnet tool install dotnet-gcdump --tool-path ~/.dotnet/tools)
        """;

    public int N { get; private init; } = 2000;
    public int Memory { get; private init; }
    public int Calendar { get; private init; }
    public bool CalendarPage { get; private init; }
    public bool Bulk { get; private init; }
    public bool Planning { get; private init; }
    public bool Subscribe { get; private init; }
    public string? App { get; private init; }
    public int? Workers { get; private init; }
    public int Concurrency { get; private init; } = 16;
    public TimeSpan? Lead { get; private init; }
    public int TimeoutSeconds { get; private init; } = 120;
    public int SettleSeconds { get; private init; } = 60;
    public int DuplicateGraceSeconds { get; private init; } = 3;
    /// <summary>Runs in each warm-up burst; null: as many as the measured burst, at most 2,000.</summary>
    public int? WarmUp { get; private init; }

    public int WarmUpRounds { get; private init; } = 2;
    public bool KeepWorkDir { get; private init; }
    public string Provider { get; private init; } = "sqlite";
    public int Nodes { get; private init; } = 1;
    public bool KillOne { get; private init; }
    public bool PgFast { get; private init; }
    public bool PgStatements { get; private init; }
    public int PoolSize { get; private init; } = 50;
    public bool Help { get; private init; }
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; private init; } = [];

    private static KeyValuePair<string, string> ParseEnv(string text) =>
        text.IndexOf('=', StringComparison.Ordinal) is var at and > 0
            ? new(text[..at], text[(at + 1)..])
            : throw new ArgumentException($"--env takes KEY=VALUE, not '{text}'.");

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Int(int min, int max)
            {
                var name = args[i];
                var value = int.Parse(Value(), CultureInfo.InvariantCulture);
                return value >= min && value <= max ? value : throw new ArgumentException($"{name} must be between {min} and {max}.");
            }
            options = args[i] switch
            {
                "--n" => options with { N = Int(1, 100_000) },
                "--memory" => options with { Memory = Int(1, 100_000) },
                "--calendar" => options with { Calendar = Int(1, 100_000) },
                "--app" => options with { App = Path.GetFullPath(Value()) },
                "--workers" => options with { Workers = Int(1, 500) },
                "--concurrency" => options with { Concurrency = Int(1, 256) },
                "--lead" => options with { Lead = TimeSpan.FromSeconds(Int(1, 3600)) },
                "--timeout" => options with { TimeoutSeconds = Int(1, 3600) },
                "--settle" => options with { SettleSeconds = Int(0, 3600) },
                "--keep" => options with { KeepWorkDir = true },
                "--page" => options with { CalendarPage = true },
                "--provider" => options with { Provider = Value().ToLowerInvariant() is var p && p is "sqlite" or "postgresql" ? p : throw new ArgumentException("--provider takes sqlite or postgresql.") },
                "--nodes" => options with { Nodes = Int(1, 16) },
                "--kill-one" => options with { KillOne = true },
                "--pg-fast" => options with { PgFast = true },
                "--pg-statements" => options with { PgStatements = true },
                "--pool" => options with { PoolSize = Int(5, 500) },
                "--bulk" => options with { Bulk = true },
                "--planning" => options with { Planning = true },
                "--subscribe" => options with { Subscribe = true },
                "--warmup" => options with { WarmUp = Int(0, 100_000) },
                "--warmup-rounds" => options with { WarmUpRounds = Int(1, 10) },
                "--env" => options with { Environment = [.. options.Environment, ParseEnv(Value())] },
                "--help" or "-h" => options with { Help = true },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }
        if (options.Nodes > 1 && options.Provider != "postgresql")
        {
            throw new ArgumentException("--nodes needs --provider postgresql: SQLite and the in-memory Hangfire storage are one node.");
        }
        if (options.KillOne && options.Nodes < 2)
        {
            throw new ArgumentException("--kill-one needs --nodes 2 or more.");
        }
        return options;
    }
}

/// <summary>The one-row-per-commit rate of SQLite in WAL mode: the ceiling of a loop that writes a row per item.</summary>
internal static class RawSqlite
{
    public sealed record Result(int Rows, TimeSpan Elapsed, string JournalMode, string Synchronous)
    {
        public double RowsPerSecond => Rows / Math.Max(Elapsed.TotalSeconds, 1e-9);
    }

    public static Result Measure(string path, int rows, TimeSpan limit)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        string Scalar(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
        }
        var journal = Scalar("PRAGMA journal_mode=WAL;");
        var synchronous = Scalar("PRAGMA synchronous;") switch { "0" => "OFF", "1" => "NORMAL", "2" => "FULL", "3" => "EXTRA", var s => s };
        using (var create = connection.CreateCommand())
        {
            // About the shape of an execution row: text ids, a timestamp, a status, a short text.
            create.CommandText = "CREATE TABLE Rows (Id TEXT NOT NULL PRIMARY KEY, ScheduleId TEXT NOT NULL, ScheduledFor TEXT NOT NULL, Status INTEGER NOT NULL, Title TEXT NULL);";
            create.ExecuteNonQuery();
        }
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO Rows (Id, ScheduleId, ScheduledFor, Status, Title) VALUES ($id, $schedule, $at, 0, $title);";
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var schedule = insert.Parameters.Add("$schedule", SqliteType.Text);
        var at = insert.Parameters.Add("$at", SqliteType.Text);
        var title = insert.Parameters.Add("$title", SqliteType.Text);
        var watch = Stopwatch.StartNew();
        var done = 0;
        while (done < rows && watch.Elapsed < limit)
        {
            using var transaction = connection.BeginTransaction();
            insert.Transaction = transaction;
            id.Value = Guid.CreateVersion7().ToString();
            schedule.Value = Guid.NewGuid().ToString();
            at.Value = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            title.Value = $"row {done}";
            insert.ExecuteNonQuery();
            transaction.Commit();
            done++;
        }
        return new Result(done, watch.Elapsed, journal, synchronous);
    }
}

/// <summary>The loopback webhook receiver: records the key, the envelope's scheduledFor and the receive time.</summary>
internal sealed class Receiver : IAsyncDisposable
{
    public sealed record Delivery(string IdempotencyKey, Guid? ScheduleId, DateTime ScheduledFor, DateTime ReceivedAt, string Node);

    private readonly WebApplication _app;
    private ConcurrentQueue<Delivery> _deliveries = new();
    private readonly ConcurrentQueue<LifecycleEvent> _events = new();

    /// <summary>A lifecycle event received at <see cref="EventsUrl"/>: its id, type and the schedule it is about.</summary>
    public sealed record LifecycleEvent(string Id, string Type, Guid? ScheduleId, DateTime ReceivedAt);

    public string EventsUrl { get; private set; } = "";

    public List<LifecycleEvent> Events() => [.. _events];

    private Receiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new Receiver(app);
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var envelope = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var receivedAt = DateTime.UtcNow;
            var root = envelope.RootElement;
            var scheduledFor = DateTime.Parse(root.GetProperty("scheduledFor").GetString()!, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            Guid? scheduleId = root.TryGetProperty("scheduleId", out var s) && s.TryGetGuid(out var g) ? g : null;
            receiver._deliveries.Enqueue(new Delivery(context.Request.Headers["Idempotency-Key"].ToString(), scheduleId, scheduledFor, receivedAt,
                context.Request.Headers["X-Scheduling-Node"].ToString()));
            return Results.Text("{\"ok\":true}", "application/json");
        });
        app.MapPost("/events", async (HttpContext context) =>
        {
            using var envelope = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var root = envelope.RootElement;
            var data = root.GetProperty("data");
            // An execution's data names its schedule; a schedule's data is the schedule.
            Guid? scheduleId = data.TryGetProperty("scheduleId", out var s) && s.TryGetGuid(out var g) ? g
                : data.TryGetProperty("id", out var i) && i.TryGetGuid(out var h) ? h : null;
            receiver._events.Enqueue(new LifecycleEvent(root.GetProperty("id").GetString()!, root.GetProperty("type").GetString()!, scheduleId, DateTime.UtcNow));
            return Results.Ok();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = address.TrimEnd('/') + "/hook";
        receiver.EventsUrl = address.TrimEnd('/') + "/events";
        return receiver;
    }

    public void Clear() => _deliveries = new ConcurrentQueue<Delivery>();

    public List<Delivery> Snapshot() => [.. _deliveries];

    public int DistinctSchedules(HashSet<Guid> expected) =>
        _deliveries.Where(d => d.ScheduleId is { } id && expected.Contains(id)).Select(d => d.ScheduleId).Distinct().Count();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The app under test: <c>dotnet Scheduling.Web.dll</c> on SQLite in a temporary directory.</summary>
internal sealed class AppProcess : IAsyncDisposable
{
    public const string ApiToken = "load-test-token-0123456789abcdef";
    public const string AdminEmail = "load@example.test";
    public const string AdminPassword = "Load-test-password-1!";
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private bool _headerPending;

    private AppProcess(Process process, string baseUrl, StreamWriter log, string name)
    {
        _process = process;
        BaseUrl = baseUrl;
        _log = log;
        Name = name;
    }

    /// <summary>The node's name (its Execution:NodeName when set, else "app").</summary>
    public string Name { get; }

    public string BaseUrl { get; }
    public int Pid => _process.Id;
    public TimeSpan StartupTime { get; private set; }
    public List<string> WarningLines { get; } = [];

    public static async Task<AppProcess> StartAsync(string dll, string work, int? workers, IReadOnlyList<KeyValuePair<string, string>> extra, string logName = "app.log")
    {
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        var environment = start.Environment;
        environment["ASPNETCORE_URLS"] = baseUrl;
        environment["App__PublicBaseUrl"] = baseUrl;
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["ConnectionStrings__Scheduling"] = $"Data Source={Path.Combine(work, "load.db")}";
        environment["Seed__AdminEmail"] = AdminEmail;
        environment["Seed__AdminPassword"] = AdminPassword;
        environment["Seed__ApiToken"] = ApiToken;
        environment["Execution__AllowPrivateNetworkTargets"] = "true";
        environment["Mail__PickupDirectory"] = Path.Combine(work, "mail");
        if (workers is { } count)
        {
            environment["Execution__WorkerCount"] = count.ToString(CultureInfo.InvariantCulture);
        }
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        var log = new StreamWriter(Path.Combine(work, logName)) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var app = new AppProcess(process, baseUrl, log, environment.TryGetValue("Execution__NodeName", out var node) && node is not null ? node : "app");
        process.OutputDataReceived += (_, e) => app.Log(e.Data);
        process.ErrorDataReceived += (_, e) => app.Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var watch = Stopwatch.StartNew();
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(5) };
        while (watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The app exited with {process.ExitCode}; log: {Path.Combine(work, logName)} (use --keep).");
            }
            try
            {
                using var response = await http.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    app.StartupTime = watch.Elapsed;
                    return app;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(250);
        }
        await app.DisposeAsync();
        throw new TimeoutException("GET /healthz did not answer 200 within 90 s.");
    }

    public HttpClient CreateApiClient()
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256 };
        var client = new HttpClient(handler) { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
        return client;
    }

    public double RssMb() => ReadStatusKb("VmRSS:") / 1024.0;

    /// <summary>SIGKILL: the node dies as in a crash (no shutdown, no Hangfire server deregistration).</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    /// <summary>User + system CPU time of the app so far (/proc/PID/stat, in clock ticks of 10 ms).</summary>
    public TimeSpan CpuTime()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ": state is field 3, utime 14 and stime 15 (1-based over the whole line).
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromMilliseconds(ticks * 10);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    public double PeakRssMb() => ReadStatusKb("VmHWM:") / 1024.0;

    private long ReadStatusKb(string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private void Log(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_logLock)
        {
            _log.WriteLine(line);
            // The console logger writes "warn: Category[id]" and the message on the next, indented line.
            if (_headerPending && WarningLines.Count > 0)
            {
                WarningLines[^1] += " — " + line.Trim();
            }
            _headerPending = (line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
                && WarningLines.Count < 1000;
            if (_headerPending)
            {
                WarningLines.Add(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
    }
}

/// <summary>
/// Diagnostics only, read-only, after the deliveries: where the lag goes, from the app's own timestamps
/// (execution CreatedAt / EnqueuedAt / StartedAt / CompletedAt and the attempt's HTTP duration). The figures
/// above do not depend on it; it reads the app's database (SQLite with Mode=ReadOnly) and writes nothing.
/// </summary>
internal static class Breakdown
{
    private sealed record Row(DateTime Scheduled, DateTime Created, DateTime Enqueued, DateTime Started, DateTime Completed, DateTime AttemptStarted, double HttpSeconds);

    public static void PrintSqlite(string database, DateTime due)
    {
        try
        {
            using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT e.ScheduledFor, e.CreatedAt, e.EnqueuedAt, e.StartedAt, e.CompletedAt, a.StartedAt, a.DurationMs
                FROM Executions e JOIN ExecutionAttempts a ON a.ExecutionId = e.Id
                WHERE e.ScheduledFor = $due AND e.StartedAt IS NOT NULL AND e.CompletedAt IS NOT NULL AND e.EnqueuedAt IS NOT NULL
                """;
            command.Parameters.AddWithValue("$due", due.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            var rows = new List<Row>();
            using (var reader = command.ExecuteReader())
            {
                static DateTime At(SqliteDataReader r, int i) => DateTime.SpecifyKind(DateTime.Parse(r.GetString(i), CultureInfo.InvariantCulture), DateTimeKind.Utc);
                while (reader.Read())
                {
                    rows.Add(new Row(At(reader, 0), At(reader, 1), At(reader, 2), At(reader, 3), At(reader, 4), At(reader, 5), reader.GetInt64(6) / 1000.0));
                }
            }
            Print(rows);
        }
        catch (SqliteException ex)
        {
            Console.WriteLine($"(no breakdown: {ex.Message})");
        }
    }

    public static async Task PrintPostgresAsync(string connectionString, DateTime due)
    {
        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("""
                SELECT e."ScheduledFor", e."CreatedAt", e."EnqueuedAt", e."StartedAt", e."CompletedAt", a."StartedAt", a."DurationMs"
                FROM "Executions" e JOIN "ExecutionAttempts" a ON a."ExecutionId" = e."Id"
                WHERE e."ScheduledFor" = @due AND e."StartedAt" IS NOT NULL AND e."CompletedAt" IS NOT NULL AND e."EnqueuedAt" IS NOT NULL
                """, connection);
            command.Parameters.AddWithValue("due", due);
            var rows = new List<Row>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                DateTime At(int i) => DateTime.SpecifyKind(reader.GetDateTime(i), DateTimeKind.Utc);
                while (await reader.ReadAsync())
                {
                    rows.Add(new Row(At(0), At(1), At(2), At(3), At(4), At(5), reader.IsDBNull(6) ? 0 : reader.GetInt64(6) / 1000.0));
                }
            }
            Print(rows);
        }
        catch (Npgsql.NpgsqlException ex)
        {
            Console.WriteLine($"(no breakdown: {ex.Message})");
        }
    }

    private static void Print(List<Row> rows)
    {
        Console.WriteLine($"where the lag goes (app's own timestamps, {rows.Count} executions; p50 / p95 / max, seconds):");
        Line("claimed (row created) − due (negative: ahead of time)", rows.Select(r => (r.Created - r.Scheduled).TotalSeconds));
        Line("claimed → handed to Hangfire", rows.Select(r => (r.Enqueued - r.Created).TotalSeconds));
        Line("due (or handed over, if later) → Running saved", rows.Select(r => (r.Started - (r.Enqueued > r.Scheduled ? r.Enqueued : r.Scheduled)).TotalSeconds));
        Line("Running → handler starts", rows.Select(r => (r.AttemptStarted - r.Started).TotalSeconds));
        Line("webhook POST (HTTP)", rows.Select(r => r.HttpSeconds));
        Line("after POST → Completed saved", rows.Select(r => (r.Completed - r.AttemptStarted).TotalSeconds - r.HttpSeconds));
    }

    private static void Line(string label, IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        string F(double? v) => v is { } x ? x.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
        Console.WriteLine($"  {label,-62} {F(Program.Percentile(sorted, 0.5))} / {F(Program.Percentile(sorted, 0.95))} / {F(sorted.Length > 0 ? sorted[^1] : null)}");
    }
}
