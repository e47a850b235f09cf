using Berth.Ui.Components.Controls;
using Berth.Ui.Tests.Fakes;
using Microsoft.AspNetCore.Components;

namespace Berth.Ui.Tests.Components.Controls;

public sealed class LiveComponentBaseTests : UiTestContext
{
    /// <summary>Loads as the pages do: awaits the control plane (<see cref="Reply"/>), then makes its next call with <see cref="LiveComponentBase.Lifetime"/>.</summary>
    private sealed class Loader : LiveComponentBase
    {
        [Parameter]
        public Task Reply { get; set; } = Task.CompletedTask;

        public bool SawCancelled { get; private set; }

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task OnInitializedAsync()
        {
            try
            {
                await Reply;
                SawCancelled = Lifetime.IsCancellationRequested;
                await Task.Delay(TimeSpan.FromSeconds(1), Lifetime);
            }
            finally
            {
                Finished.SetResult();
            }
        }
    }

    [Fact]
    public async Task Dispose_WhileLoading_NextCallEndsCancelledAndNothingFails()
    {
        var reply = new TaskCompletionSource();
        var loader = Render<Loader>(p => p.Add(x => x.Reply, reply.Task)).Instance;

        // The page is left before the control plane answered.
        await DisposeComponentsAsync();
        reply.SetResult();
        await loader.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(loader.SawCancelled);
        var failure = await Task.WhenAny(Renderer.UnhandledException, Task.Delay(TimeSpan.FromMilliseconds(500)));
        Assert.NotSame(Renderer.UnhandledException, failure);
    }
}
