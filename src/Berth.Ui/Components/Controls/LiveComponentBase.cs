using Microsoft.AspNetCore.Components;

namespace Berth.Ui.Components.Controls;

/// <summary>
/// A component that follows live streams: each stream runs in the background, each value is applied on the
/// renderer's sync context and re-renders the component, and every stream is cancelled and awaited when the component
/// is disposed (the page left, or the circuit gone). A stream that fails puts its message in <see cref="LiveError"/>.
/// </summary>
public abstract class LiveComponentBase : ComponentBase, IAsyncDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private readonly CancellationToken _lifetime;
    private readonly List<Task> _streams = [];

    protected LiveComponentBase() => _lifetime = _disposed.Token;

    /// <summary>
    /// Cancelled when the component goes away. It stays readable after: a page left while it still loads goes on
    /// past its await, and then its next call fails as cancelled (which Blazor ignores), not as disposed (which
    /// would end the circuit).
    /// </summary>
    protected CancellationToken Lifetime => _lifetime;

    /// <summary>The last stream failure, for the page to show; null while all is well.</summary>
    protected string? LiveError { get; private set; }

    /// <summary>Follows <paramref name="stream"/> until the component goes away or <paramref name="until"/> is cancelled.</summary>
    protected void Follow<T>(Func<CancellationToken, IAsyncEnumerable<T>> stream, Action<T> apply, CancellationToken until = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(apply);
        var token = until.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(_lifetime, until).Token : _lifetime;
        _streams.RemoveAll(t => t.IsCompleted);
        _streams.Add(Task.Run(async () =>
        {
            try
            {
                await foreach (var value in stream(token).WithCancellation(token).ConfigureAwait(false))
                {
                    await InvokeAsync(() =>
                    {
                        apply(value);
                        StateHasChanged();
                    }).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                await InvokeAsync(() =>
                {
                    LiveError = e.Message;
                    StateHasChanged();
                }).ConfigureAwait(false);
            }
        }, CancellationToken.None));
    }

    public virtual async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_streams).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Each stream reported its own failure while the component was alive.
        }
        _disposed.Dispose();
        GC.SuppressFinalize(this);
    }
}
