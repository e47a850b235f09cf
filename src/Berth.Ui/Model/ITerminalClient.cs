namespace Berth.Ui.Model;

/// <summary>
/// Interactive shells in containers for the circuit's user (members, owners and admins; audited by the host). A
/// terminal belongs to the circuit that opened it and ends with it (on <see cref="IAsyncDisposable.DisposeAsync"/>).
/// </summary>
public interface ITerminalClient : IAsyncDisposable
{
    /// <summary>Opens a shell on a terminal of <paramref name="cols"/> × <paramref name="rows"/>; returns its id.</summary>
    /// <exception cref="Berth.ControlPlane.ControlPlaneException">Not visible, not allowed, not running, or too many terminals.</exception>
    Task<string> OpenAsync(Guid containerId, int cols, int rows, CancellationToken cancellationToken);

    /// <summary>What the terminal shows, in chunks, until its shell has exited.</summary>
    IAsyncEnumerable<byte[]> OutputAsync(string terminalId, CancellationToken cancellationToken);

    Task InputAsync(string terminalId, string data, CancellationToken cancellationToken);

    void Resize(string terminalId, int cols, int rows);

    /// <summary>Ends the terminal's processes and closes it.</summary>
    Task CloseAsync(string terminalId);
}
