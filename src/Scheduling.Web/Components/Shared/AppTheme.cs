using MudBlazor;

namespace Scheduling.Web.Components.Shared;

/// <summary>
/// One theme for the app and (through app.css variables) the static account pages. The light palette's colours are
/// darker than MudBlazor's defaults so that WCAG AA holds (4.5:1) both ways they are used: white text on a filled
/// button or chip, and the colour itself as text on the page, on white, and on its own faint tint (outlined and text
/// buttons, chips, alerts). AccessibilityTests (E2E, axe) measures it on every page.
/// </summary>
public static class AppTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#4f46e5",
            Secondary = "#0d6e66",
            Info = "#1565c0",
            Success = "#1e6b2e",
            Warning = "#9a4d00",
            Error = "#b3261e",
            // MudBlazor's 0.54 black on this background is 4.49:1, a hair under AA.
            TextSecondary = "rgba(0,0,0,0.62)",
            AppbarBackground = "#312e81",
            Background = "#f7f7fb",
            DrawerBackground = "#ffffff",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#818cf8",
            Secondary = "#2dd4bf",
            AppbarBackground = "#1e1b4b",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography
            {
                FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
            },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px" },
    };
}
