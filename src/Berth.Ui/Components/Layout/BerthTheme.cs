using MudBlazor;

namespace Berth.Ui.Components.Layout;

/// <summary>The light and dark palettes of the UI.</summary>
public static class BerthTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#1565c0", AppbarBackground = "#0d47a1" },
        PaletteDark = new PaletteDark { Primary = "#64b5f6", AppbarBackground = "#1a1a27" },
    };
}
