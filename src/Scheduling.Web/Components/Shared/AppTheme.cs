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
    private const string DarkText = "rgba(0,0,0,0.87)";

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
        // Dark mode: light tints, so that they read as text on the dark surfaces, with dark text on them when filled
        // (white on MudBlazor's dark-mode colours is 1.9 to 3.4:1).
        PaletteDark = new PaletteDark
        {
            Primary = "#a5b4fc",
            PrimaryContrastText = DarkText,
            Secondary = "#5eead4",
            SecondaryContrastText = DarkText,
            Info = "#93c5fd",
            InfoContrastText = DarkText,
            Success = "#6ee7b7",
            SuccessContrastText = DarkText,
            Warning = "#fcd34d",
            WarningContrastText = DarkText,
            Error = "#fca5a5",
            ErrorContrastText = DarkText,
            TextSecondary = "rgba(255,255,255,0.62)",
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
