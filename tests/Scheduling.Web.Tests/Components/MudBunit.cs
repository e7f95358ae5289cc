using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using MudBlazor;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Scheduling.Web.Tests.Components;

/// <summary>What every MudBlazor component needs under bUnit.</summary>
internal static class MudBunit
{
    /// <summary>
    /// A context set up like a live Blazor Server circuit: MudBlazor services, JS calls answered by default
    /// (MudBlazor calls many JS functions whose results these tests do not care about), interactive renderer.
    /// </summary>
    /// <param name="addServices">More registrations: they must all happen before the first service is resolved.</param>
    public static BunitContext NewContext(Action<IServiceCollection>? addServices = null)
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        addServices?.Invoke(context.Services);
        context.SetRendererInfo(new RendererInfo("Server", true));
        return context;
    }

    /// <summary>
    /// Renders <typeparamref name="TComponent"/> beside a <see cref="MudPopoverProvider"/>, as the main layout
    /// does: menus and selects render their content into the provider, not into the component.
    /// </summary>
    public static IRenderedComponent<ContainerFragment> RenderWithPopovers<TComponent>(this BunitContext context)
        where TComponent : IComponent =>
        context.Render<ContainerFragment>(parameters => parameters.AddChildContent(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<TComponent>(1);
            builder.CloseComponent();
        }));
}

/// <summary>A neutral root for rendering several components side by side.</summary>
public sealed class ContainerFragment : ComponentBase
{
    [Parameter] public RenderFragment? ChildContent { get; set; }

    protected override void BuildRenderTree(RenderTreeBuilder builder) => builder.AddContent(0, ChildContent);
}
