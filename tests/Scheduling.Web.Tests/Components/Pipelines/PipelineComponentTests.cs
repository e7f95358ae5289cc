using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Core.Scheduling;
using Scheduling.Web.Features.Pipelines;
using Scheduling.Web.Features.Workspaces;

namespace Scheduling.Web.Tests.Components.Pipelines;

/// <summary>Settings › Pipelines and the run's stepper, rendered with the app's services on a real SQLite database.</summary>
public sealed class PipelineComponentTests
{
    private const string Email = "pipelines-ui@example.com";
    private const string Workspace = "pipelines-ui's workspace";

    private static string[] Keys(IRenderedComponent<ContainerFragment> cut) =>
        [.. cut.FindAll("[data-testid=pipeline-stage] [data-testid=stage-key] input, [data-testid=pipeline-stage] input[data-testid=stage-key]").Select(i => i.GetAttribute("value") ?? "")];

    [Fact]
    public async Task Settings_ShowsTheDefault_EditsReorderRemove_SaveAndReset()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync(Email), Workspace);
        var cut = app.Context.RenderWithPopovers<PipelineSettings>();

        cut.WaitForAssertion(() => Assert.Equal(["script", "assets", "assemble", "thumbnail", "metadata", "upload"], Keys(cut)));
        Assert.Contains("built-in", cut.Find("[data-testid=pipeline-origin]").TextContent, StringComparison.Ordinal);

        // Move "assets" up, remove "thumbnail", save.
        cut.FindAll("button[data-testid=stage-up]")[1].Click();
        cut.FindAll("button[data-testid=stage-remove]")[3].Click();
        cut.Find("button[data-testid=pipeline-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("own pipeline", cut.Find("[data-testid=pipeline-origin]").TextContent, StringComparison.Ordinal));
        var saved = await app.Context.Services.GetRequiredService<PipelineService>().GetAsync(JobType.VideoGeneration, Xunit.TestContext.Current.CancellationToken);
        Assert.Equal(["assets", "script", "assemble", "metadata", "upload"], saved.Stages.Select(s => s.Key));

        cut.Find("button[data-testid=pipeline-reset]").Click();
        cut.WaitForAssertion(() => Assert.Equal(6, Keys(cut).Length));
        Assert.True((await app.Context.Services.GetRequiredService<PipelineService>().GetAsync(JobType.VideoGeneration, Xunit.TestContext.Current.CancellationToken)).IsDefault);
    }

    [Fact]
    public async Task Settings_RefusedSave_ShowsTheMessageOnTheField_AndKeepsTheInput()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync(Email), Workspace);
        var cut = app.Context.RenderWithPopovers<PipelineSettings>();
        cut.WaitForAssertion(() => Assert.Equal(6, Keys(cut).Length));

        cut.FindAll("[data-testid=pipeline-stage] [data-testid=stage-key] input, [data-testid=pipeline-stage] input[data-testid=stage-key]")[1].Change("script");
        cut.Find("button[data-testid=pipeline-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("already has the key 'script'", cut.Find("[data-testid=pipeline-message]").TextContent, StringComparison.Ordinal));
        Assert.Contains("already has the key", cut.FindAll("[data-testid=pipeline-stage]")[1].TextContent, StringComparison.Ordinal);
        Assert.Equal("script", Keys(cut)[1]);
        Assert.True((await app.Context.Services.GetRequiredService<PipelineService>().GetAsync(JobType.VideoGeneration, Xunit.TestContext.Current.CancellationToken)).IsDefault);
    }

    [Fact]
    public async Task Settings_ForAManager_ReadsOnly()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        var user = await app.CreateUserAsync(Email);
        await app.ActAsync(user, Workspace);
        app.Workspace.Set(user.Id, app.Workspace.WorkspaceId!.Value, Workspace, WorkspaceRole.Manager, isInstanceAdmin: false);

        var cut = app.Context.RenderWithPopovers<PipelineSettings>();

        cut.WaitForAssertion(() => Assert.Equal(6, cut.FindAll("[data-testid=pipeline-stage]").Count));
        Assert.Empty(cut.FindAll("[data-testid=pipeline-save]"));
        Assert.Empty(cut.FindAll("[data-testid=stage-remove]"));
        Assert.NotNull(cut.Find("[data-testid=pipelines-read-only]"));
    }

    [Fact]
    public async Task Stepper_ShowsEachStageWithItsState_AndTheFailedOnesRequestAndResponse()
    {
        await using var app = await AppServicesHarness.CreateAsync();
        await app.ActAsync(await app.CreateUserAsync(Email), Workspace);
        var at = new DateTime(2026, 3, 10, 9, 0, 0, DateTimeKind.Utc);
        IReadOnlyList<StageRunView> stages =
        [
            new("script", "Script", 0, StageState.Completed, false, true, 1, at, at.AddSeconds(2), 2000, null, """{"action":"script"}""", 200, """{"ok":true}""", null),
            new("assets", "Assets", 1, StageState.Failed, false, true, 3, at, at.AddSeconds(1), 1500, "https://hooks.example.com/assets", """{"action":"assets"}""", 500, "boom", "HTTP 500"),
            new("upload", "Upload", 2, StageState.NotRun, true, true, 0, null, null, null, null, null, null, null, null),
        ];

        var cut = app.Context.Render<RunStages>(p => p.Add(c => c.Stages, stages));

        var steps = cut.FindAll("[data-testid=run-stage]");
        Assert.Equal(["script", "assets", "upload"], steps.Select(s => s.GetAttribute("data-key")));
        Assert.Equal(["completed", "failed", "not_run"], steps.Select(s => s.GetAttribute("data-state")));
        Assert.Contains("3 attempts", steps[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("1.5 s", steps[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("publishing", steps[2].TextContent, StringComparison.Ordinal);
        // The failed stage is the open one: its request and response are there to expand.
        Assert.Equal("assets", cut.Find("details[data-open=true] [data-testid=run-stage]").GetAttribute("data-key"));
        Assert.Single(cut.FindAll("details[data-open=true]"));
        var failed = cut.FindAll("[data-testid=run-stage-details]")[1];
        Assert.Contains("\"assets\"", failed.QuerySelector("[data-testid=run-stage-request]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("boom", failed.QuerySelector("[data-testid=run-stage-response]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("HTTP 500", failed.QuerySelector("[data-testid=run-stage-error]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Nothing was sent", cut.FindAll("[data-testid=run-stage-details]")[2].TextContent, StringComparison.Ordinal);
    }
}
