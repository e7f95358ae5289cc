using Hangfire;
using Hangfire.InMemory;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>
/// Hangfire keeps some settings process-wide (its log provider), and each host that configures it points them at its
/// own services. Once such a host is gone, another Hangfire server starting in the process must still start: seen as
/// a test host whose server never came up (no workers, its runs enqueued for ever) while another test's host was
/// being disposed.
/// </summary>
public class HangfireProcessTests
{
    [Fact]
    public async Task AfterTheHostThatConfiguredHangfireLastIsDisposed_AnotherServerStartsAndRunsJobs()
    {
        await using (var gone = await AppFactory.StartAsync(DatabaseProvider.Sqlite))
        {
            // Starting the host configured Hangfire's process-wide settings with its services.
            Assert.NotNull(gone.Services.GetService(typeof(IGlobalConfiguration)));
        }

        var storage = new InMemoryStorage();
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = 1, Queues = ["default"], Activator = new JobActivator() }, storage);
        var jobId = new BackgroundJobClient(storage).Enqueue(() => Probe.Ping());

        string? state;
        try
        {
            state = await Eventually.GetAsync(() => Task.FromResult(storage.GetConnection().GetStateData(jobId)?.Name), name => name == "Succeeded",
                TimeSpan.FromSeconds(20), "the job to run on the new server");
        }
        catch (TimeoutException timeout)
        {
            var history = storage.GetMonitoringApi().JobDetails(jobId).History
                .Select(h => $"{h.StateName} {h.Reason} {string.Join(", ", h.Data.Select(kv => kv.Key + "=" + kv.Value))}");
            throw new TimeoutException($"{timeout.Message}\n{string.Join("\n", history)}", timeout);
        }
        Assert.Equal("Succeeded", state);
    }

    public static class Probe
    {
        public static void Ping()
        {
        }
    }
}
