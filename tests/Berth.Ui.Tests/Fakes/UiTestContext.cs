using Berth.Ui.Model;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Berth.Ui.Tests.Fakes;

/// <summary>
/// A bUnit context with MudBlazor's services, loose JS interop (MudBlazor calls JS the tests need not answer) and
/// the UI's seams replaced by fakes.
/// </summary>
public abstract class UiTestContext : BunitContext
{
    protected UiTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton<IContainerClient>(ContainerClient);
        Services.AddSingleton<ILiveClient>(Live);
        Services.AddSingleton<ISessionClient>(Session);
        Services.AddSingleton<TimeProvider>(Time);
    }

    protected FakeContainerClient ContainerClient { get; } = new();

    protected FakeLiveClient Live { get; } = new();

    protected FakeSessionClient Session { get; } = new();

    protected ManualTimeProvider Time { get; } = new();

    /// <summary>Renders the providers that dialogs, popovers and snackbars render into; returns the dialog provider.</summary>
    protected IRenderedComponent<MudDialogProvider> RenderProviders()
    {
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        return Render<MudDialogProvider>();
    }
}
