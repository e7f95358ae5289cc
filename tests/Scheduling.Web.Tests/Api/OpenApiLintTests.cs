using System.Diagnostics;
using Scheduling.Web.Data;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Api;

/// <summary>
/// Redocly's CLI with its recommended rules (tools/redocly/redocly.yaml) on the document the app serves: 0 errors.
/// The CLI is pinned in tools/redocly (package.json + package-lock.json) and installed there by test.sh, or by this
/// test with <c>npm ci</c> when missing; the test is skipped only where node is not installed.
/// </summary>
public sealed class OpenApiLintTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ServedDocument_PassesRedoclyRecommendedRules_WithNoError()
    {
        Assert.SkipWhen(FindOnPath("node") is null || FindOnPath("npm") is null,
            "node and npm are not installed, so Redocly's lint cannot run (test.sh installs them with apt: apt-get install -y nodejs npm).");
        var tools = Path.Combine(RepositoryRoot(), "tools", "redocly");
        var cli = Path.Combine(tools, "node_modules", "@redocly", "cli", "bin", "cli.js");
        if (!File.Exists(cli))
        {
            var install = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], tools);
            Assert.True(install.ExitCode == 0, $"npm ci in {tools} failed:\n{install.Output}");
        }

        await using var app = await AppFactory.StartAsync(DatabaseProvider.Sqlite);
        var document = Path.Combine(Directory.CreateTempSubdirectory("openapi-lint-").FullName, "openapi.json");
        await File.WriteAllTextAsync(document, await app.CreateClient().GetStringAsync("/openapi/v1.json", Ct), Ct);

        var lint = await RunAsync("node", [cli, "lint", document, "--config", Path.Combine(tools, "redocly.yaml"), "--format", "stylish"], tools);
        TestContext.Current.TestOutputHelper?.WriteLine(lint.Output);
        Assert.True(lint.ExitCode == 0, $"Redocly reports errors in /openapi/v1.json (warnings are allowed):\n{lint.Output}");
        Assert.Contains("validated", lint.Output, StringComparison.Ordinal);
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Scheduling.Web.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Scheduling.Web.sln not found above " + AppContext.BaseDirectory);
    }

    internal static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    internal static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // No telemetry or update checks from a test run.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output + await errors);
    }
}
