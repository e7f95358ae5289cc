using System.Text.Json;
using Deque.AxeCore.Commons;
using Microsoft.Playwright;

namespace Scheduling.E2E;

/// <summary>
/// axe-core run in the page itself, answering only the serious and critical violations.
/// Deque's <c>RunAxe</c> finishes each run in a second, blank page (axe's runPartial / finishRun for cross-origin
/// frames), which costs a renderer process per audit: about three seconds even for a static page, most of the
/// accessibility walk's time. Our pages have no frames, so <c>axe.run</c> in the page gives the same results.
/// The script is axe-core as the Deque package bundles it (same version, same rules).
/// </summary>
public static class Axe
{
    private static readonly Lazy<string> Script = new(() => new BundledAxeScriptProvider().GetScript());

    /// <summary>One serious or critical violation on one element, with what axe said of it.</summary>
    public sealed record Violation(string Rule, string Impact, string Target, string Html, string Why)
    {
        public override string ToString() => $"[{Impact}] {Rule}: {Target} — {Html}{(Why.Length > 0 ? " | " + Why : "")}";
    }

    /// <summary>Fails with every serious or critical violation on the page (each also written to <paramref name="output"/>).</summary>
    public static async Task AssertNoneAsync(IPage page, ITestOutputHelper output, string what)
    {
        var blocking = (await SeriousOrCriticalAsync(page)).Select(v => v.ToString()).ToList();
        foreach (var line in blocking)
        {
            output.WriteLine(line);
        }
        Assert.True(blocking.Count == 0, $"{what}: {string.Join("\n", blocking)}");
    }

    /// <summary>Runs axe on the page; <paramref name="rules"/> limits the run to those rules (all rules when null).</summary>
    public static async Task<IReadOnlyList<Violation>> SeriousOrCriticalAsync(IPage page, IReadOnlyList<string>? rules = null)
    {
        // Finished transitions, not a half-faded menu: colours are measured in their final state.
        // (An endless one, such as a loading bar's, cannot be finished: it is left running.)
        await page.EvaluateAsync("() => document.getAnimations().forEach(a => { try { a.finish(); } catch { } })");
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync(Script.Value);
        }
        var json = await page.EvaluateAsync<string>(
            """
            async rules => {
              const options = { resultTypes: ['violations'] };
              if (rules) options.runOnly = { type: 'rule', values: rules };
              const result = await axe.run(document, options);
              const found = [];
              for (const v of result.violations) {
                if (v.impact !== 'serious' && v.impact !== 'critical') continue;
                for (const n of v.nodes) {
                  const why = [...(n.any || []), ...(n.all || []), ...(n.none || [])].map(c => c.message).filter(m => m).join(' | ');
                  found.push({ rule: v.id, impact: v.impact, target: JSON.stringify(n.target), html: n.html.length > 160 ? n.html.slice(0, 160) + '…' : n.html, why: why.replace(/\s+/g, ' ') });
                }
              }
              return JSON.stringify(found);
            }
            """, rules);
        return JsonSerializer.Deserialize<List<Violation>>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web)) ?? [];
    }
}
