using System.Runtime.CompilerServices;
using Berth.ControlPlane.Live;
using Berth.Ui.Model;

namespace Berth.Host.Ui;

/// <summary>The UI's terminals, over the control plane's terminal service, owned by one circuit (closed with it).</summary>
public sealed class TerminalClient(ISessionClient session, TerminalService terminals) : ITerminalClient
{
    // The service lets only the owner that opened a terminal use it: one owner per circuit.
    private readonly string _owner = "ui-" + Guid.NewGuid().ToString("n");

    public async Task<string> OpenAsync(Guid containerId, int cols, int rows, CancellationToken cancellationToken)
        => await terminals.OpenAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), containerId, _owner, cols, rows, cancellationToken).ConfigureAwait(false);

    public async IAsyncEnumerable<byte[]> OutputAsync(string terminalId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var chunk in terminals.OutputAsync(terminalId, _owner, cancellationToken).ConfigureAwait(false)) yield return chunk;
    }

    public Task InputAsync(string terminalId, string data, CancellationToken cancellationToken) => terminals.InputAsync(terminalId, _owner, data, cancellationToken);

    public void Resize(string terminalId, int cols, int rows) => terminals.Resize(terminalId, _owner, cols, rows);

    public Task CloseAsync(string terminalId) => terminals.CloseAsync(terminalId, _owner);

    public async ValueTask DisposeAsync() => await terminals.CloseOwnerAsync(_owner).ConfigureAwait(false);
}
