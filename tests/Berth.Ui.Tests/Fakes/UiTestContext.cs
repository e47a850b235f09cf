using Berth.Ui.Model;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Berth.Ui.Tests.Fakes;

/// <summary>
/// A bUnit context with MudBlazor's services, loose JS interop (MudBlazor calls JS the tests need not answer) and
/// the UI's seams replaced by fakes. Disposed asynchronously: MudBlazor's services only implement IAsyncDisposable,
/// and xunit 2 calls only Dispose otherwise.
/// </summary>
public abstract class UiTestContext : BunitContext, IAsyncLifetime
{
    protected UiTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        // Streams are followed on the thread pool; two cores running test classes in parallel can take over a second.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        Services.AddMudServices();
        Services.AddSingleton<IContainerClient>(ContainerClient);
        Services.AddSingleton<ILiveClient>(Live);
        Services.AddSingleton<ISessionClient>(Session);
        Services.AddSingleton<ITerminalClient>(Terminal);
        Services.AddSingleton<IImageClient>(ImageClient);
        Services.AddSingleton<TimeProvider>(Time);
    }

    protected FakeContainerClient ContainerClient { get; } = new();

    protected FakeLiveClient Live { get; } = new();

    protected FakeSessionClient Session { get; } = new();

    protected ManualTimeProvider Time { get; } = new();

    protected FakeTerminalClient Terminal { get; } = new();

    protected FakeImageClient ImageClient { get; } = new();

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    /// <summary>Renders the providers that dialogs, popovers and snackbars render into; returns the dialog provider.</summary>
    protected IRenderedComponent<MudDialogProvider> RenderProviders()
    {
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        return Render<MudDialogProvider>();
    }
}
