using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Scheduling.Web.Components.Layout;

namespace Scheduling.Web.Tests.Components;

/// <summary>A page that throws shows a readable message inside the layout, with a way back, instead of killing the circuit.</summary>
public sealed class ErrorUiTests
{
    [Fact]
    public async Task MainLayout_PageThrows_ShowsSomethingWentWrongAndTryAgainRecovers()
    {
        // No one signed in: the layout draws its shell without the user's menus, which is all this needs.
        var (root, context, _) = await AppTestHost.CreateAsync("error-ui", new DateTimeOffset(2030, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var _ = context;
        var failures = new FailingPage.Counter { Remaining = 1 };
        // As the server does for a circuit: an (anonymous) user for the layout's cascading authentication state.
        ((Microsoft.AspNetCore.Components.Authorization.IHostEnvironmentAuthenticationStateProvider)context.Services
            .GetRequiredService<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider>())
            .SetAuthenticationState(Task.FromResult(new Microsoft.AspNetCore.Components.Authorization.AuthenticationState(new System.Security.Claims.ClaimsPrincipal())));

        var cut = context.Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(builder =>
        {
            builder.OpenComponent<FailingPage>(0);
            builder.AddAttribute(1, nameof(FailingPage.Failures), failures);
            builder.CloseComponent();
        })));

        var error = cut.WaitForElement("[data-testid=page-error]");
        Assert.Contains("Something went wrong on this page", error.TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=failing-page]"));

        cut.Find("button[data-testid=page-error-retry], [data-testid=page-error-retry] button").Click();

        cut.WaitForElement("[data-testid=failing-page]");
        Assert.Empty(cut.FindAll("[data-testid=page-error]"));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    /// <summary>Throws while rendering as long as its counter says so.</summary>
    private sealed class FailingPage : ComponentBase
    {
        public sealed class Counter
        {
            public int Remaining { get; set; }
        }

        [Parameter] public Counter Failures { get; set; } = default!;

        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            if (Failures.Remaining-- > 0)
            {
                throw new InvalidOperationException("A page bug.");
            }
            builder.OpenElement(0, "p");
            builder.AddAttribute(1, "data-testid", "failing-page");
            builder.AddContent(2, "Fine now.");
            builder.CloseElement();
        }
    }
}
