using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Security;
using Berth.Engine;
using Microsoft.Extensions.Logging;

namespace Berth.ControlPlane.Live;

/// <summary>
/// Terminals into running containers for live pages: a shell on a terminal of its own, owned by the connection
/// (a hub connection id, a UI circuit) that opened it. Another owner cannot use its id (it is "not found" to them);
/// <see cref="CloseOwnerAsync"/> closes all of an owner's terminals when it goes away. Opening is for members,
/// owners and admins, audited as <c>container.terminal</c> (refusals as denied).
/// </summary>
public sealed class TerminalService(LiveService live, NodeEngine node, AuditLog audit, ILogger<TerminalService> logger) : IAsyncDisposable
{
    /// <summary>The shell a terminal runs.</summary>
    public const string Shell = "/bin/sh";

    /// <summary>What the shell is told its terminal is (browser terminals emulate xterm).</summary>
    public const string Term = "TERM=xterm-256color";

    /// <summary>Most terminals one owner may hold open.</summary>
    public const int MaxPerOwner = 8;

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    /// <summary>Opens a shell in the container on a terminal of <paramref name="cols"/> × <paramref name="rows"/>; returns the terminal's id.</summary>
    /// <exception cref="ControlPlaneException">Not visible (not found), not allowed (forbidden), not running, a bad size, too many terminals, or the shell did not start.</exception>
    public async Task<string> OpenAsync(Caller caller, Guid containerId, string owner, int cols, int rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        if (cols is < 1 or > 1000 || rows is < 1 or > 1000) throw ControlPlaneException.Invalid($"a terminal of {cols}x{rows}: columns and rows must be between 1 and 1000");
        var c = await live.OperableAsync(caller, containerId, "container.terminal", cancellationToken).ConfigureAwait(false);
        if (_sessions.Values.Count(s => s.Owner == owner) >= MaxPerOwner) throw ControlPlaneException.Conflict($"at most {MaxPerOwner} terminals per connection");
        ExecTerminal terminal;
        try
        {
            terminal = node.Engine.OpenTerminal(c.EngineId!, [Shell], new ExecRequest { Env = [Term] }, (ushort)cols, (ushort)rows);
        }
        catch (EngineException e)
        {
            await audit.WriteAsync(new AuditRecord(caller, "container.terminal", "container", containerId.ToString(), c.TeamId, AuditRecord.Failed, $"open {Shell}: {e.Message}"), cancellationToken).ConfigureAwait(false);
            throw ControlPlaneException.Conflict($"container {containerId}: {e.Message}");
        }
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _sessions[id] = new Session(owner, containerId, terminal);
        try
        {
            await audit.WriteAsync(new AuditRecord(caller, "container.terminal", "container", containerId.ToString(), c.TeamId, AuditRecord.Allowed, $"open {Shell} (pid {terminal.Pid})"), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not audited, not kept.
            await CloseAsync(id, owner).ConfigureAwait(false);
            throw;
        }
        return id;
    }

    /// <summary>
    /// What the terminal shows, in chunks as they come, until every process has closed it (then the terminal is
    /// closed). One reader at a time.
    /// </summary>
    public async IAsyncEnumerable<byte[]> OutputAsync(string terminalId, string owner, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var session = Find(terminalId, owner);
        if (Interlocked.Exchange(ref session.Reading, 1) != 0) throw ControlPlaneException.Conflict($"terminal {terminalId} is read already");
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var n = await session.Terminal.Stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                yield return buffer.AsSpan(0, n).ToArray();
            }
        }
        finally
        {
            Volatile.Write(ref session.Reading, 0);
        }
        await CloseAsync(terminalId, owner).ConfigureAwait(false);
    }

    /// <summary>Types <paramref name="data"/> (UTF-8) into the terminal.</summary>
    public async Task InputAsync(string terminalId, string owner, string data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        var session = Find(terminalId, owner);
        await session.Terminal.Stream.WriteAsync(Encoding.UTF8.GetBytes(data), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the terminal's size.</summary>
    public void Resize(string terminalId, string owner, int cols, int rows)
    {
        if (cols is < 1 or > 1000 || rows is < 1 or > 1000) throw ControlPlaneException.Invalid($"a terminal of {cols}x{rows}: columns and rows must be between 1 and 1000");
        try { Find(terminalId, owner).Terminal.Resize((ushort)cols, (ushort)rows); }
        catch (ObjectDisposedException) { throw ControlPlaneException.NotFound($"terminal {terminalId}"); }
    }

    /// <summary>Ends the terminal's processes and closes it; nothing happens for an id the owner does not hold.</summary>
    public async Task CloseAsync(string terminalId, string owner)
    {
        if (!_sessions.TryGetValue(terminalId, out var session) || session.Owner != owner) return;
        if (!_sessions.TryRemove(new KeyValuePair<string, Session>(terminalId, session))) return;
        await session.Terminal.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Closes every terminal of <paramref name="owner"/> (its connection went away).</summary>
    public async Task CloseOwnerAsync(string owner)
    {
        var ids = _sessions.Where(s => s.Value.Owner == owner).Select(s => s.Key).ToList();
        await Task.WhenAll(ids.Select(id => CloseAsync(id, owner))).ConfigureAwait(false);
    }

    /// <summary>Closes every terminal (the host stops).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (id, session) in _sessions.ToArray())
        {
            try { await CloseAsync(id, session.Owner).ConfigureAwait(false); }
            catch (Exception e) { logger.LogWarning("terminal {Id} not closed cleanly: {Message}", id, e.Message); }
        }
    }

    private Session Find(string terminalId, string owner)
    {
        ArgumentNullException.ThrowIfNull(terminalId);
        if (_sessions.TryGetValue(terminalId, out var session) && session.Owner == owner) return session;
        throw ControlPlaneException.NotFound($"terminal {terminalId}");
    }

    private sealed class Session(string owner, Guid containerId, ExecTerminal terminal)
    {
        public int Reading;

        public string Owner { get; } = owner;

        public Guid ContainerId { get; } = containerId;

        public ExecTerminal Terminal { get; } = terminal;
    }
}
