using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Berth.ControlPlane;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Fakes;

/// <summary>A terminal whose output a test pushes through a channel (completing it ends the shell); what the page sent is kept.</summary>
public sealed class FakeTerminalClient : ITerminalClient
{
    public Channel<byte[]> Output { get; } = Channel.CreateUnbounded<byte[]>();

    /// <summary>Thrown by <see cref="OpenAsync"/> when set.</summary>
    public ControlPlaneException? OpenFailure { get; set; }

    public ConcurrentQueue<(Guid ContainerId, int Cols, int Rows)> Opened { get; } = new();

    public ConcurrentQueue<string> Input { get; } = new();

    public ConcurrentQueue<(int Cols, int Rows)> Resizes { get; } = new();

    public ConcurrentQueue<string> Closed { get; } = new();

    public Task<string> OpenAsync(Guid containerId, int cols, int rows, CancellationToken cancellationToken)
    {
        if (OpenFailure is { } failure) throw failure;
        Opened.Enqueue((containerId, cols, rows));
        return Task.FromResult("term-" + Opened.Count);
    }

    public async IAsyncEnumerable<byte[]> OutputAsync(string terminalId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var chunk in Output.Reader.ReadAllAsync(cancellationToken)) yield return chunk;
    }

    public Task InputAsync(string terminalId, string data, CancellationToken cancellationToken)
    {
        Input.Enqueue(data);
        return Task.CompletedTask;
    }

    public void Resize(string terminalId, int cols, int rows) => Resizes.Enqueue((cols, rows));

    public Task CloseAsync(string terminalId)
    {
        Closed.Enqueue(terminalId);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
