using System.Text;
using Berth.Linux;

namespace Berth.Engine;

/// <summary>
/// A shim started before it is needed (<see cref="EngineOptions.KeepShimReady"/>): it has paid for what does not
/// depend on a container (its process start, its mount namespace, its engine) and waits on its descriptor 0 for
/// the one it is to run. <see cref="Hand"/> gives it a container; disposing it unused closes that descriptor, and
/// the shim leaves without having touched anything.
/// </summary>
internal sealed class ReadyShim : IDisposable
{
    /// <summary>The fourth argument of <c>berth __shim</c> that makes it wait for its container.</summary>
    public const string Mode = "ready";

    private int _order;
    private int _result;

    private ReadyShim(int pid, int order, int result) => (Pid, _order, _result) = (pid, order, result);

    /// <summary>The shim's pid.</summary>
    public int Pid { get; }

    /// <summary>Starts a shim of <paramref name="options"/> that waits for its container; reaped by a thread of its own.</summary>
    /// <exception cref="LinuxException">The spawn failed.</exception>
    public static ReadyShim Start(EngineOptions options, IReadOnlyList<string> env)
    {
        var (orderRead, orderWrite) = Fd.Pipe();
        var (resultRead, resultWrite) = Fd.Pipe();
        // Its stderr is /dev/null until it knows its container (then it is the container's shim.log).
        using var devnull = Fd.Open("/dev/null", Fd.O_WRONLY);
        try
        {
            var pid = ContainerShim.Spawn(options, env, ["-", Mode], orderRead, (int)devnull.DangerousGetHandle(), resultWrite);
            return new ReadyShim(pid, orderWrite, resultRead);
        }
        catch
        {
            Fd.Close(orderWrite);
            Fd.Close(resultRead);
            throw;
        }
        finally
        {
            Fd.Close(orderRead);
            Fd.Close(resultWrite);
        }
    }

    /// <summary>
    /// Gives the shim container <paramref name="id"/>; returns the descriptor on which it reports the start (the
    /// caller's to close). Null when the shim is gone (it failed, or was killed): the caller starts another.
    /// </summary>
    public int? Hand(string id, bool attach)
    {
        var order = Interlocked.Exchange(ref _order, -1);
        if (order < 0) return null;
        try { Fd.WriteAll(order, Encoding.ASCII.GetBytes($"{id} {(attach ? "attach" : "detached")}\n")); }
        catch (LinuxException) { return null; } // EPIPE: it is not there to read it
        finally { Fd.Close(order); }
        return Interlocked.Exchange(ref _result, -1);
    }

    /// <summary>
    /// In the shim: waits for the order <see cref="Hand"/> writes; null at end of file (its engine let it go, or
    /// went away) or on anything that is not one.
    /// </summary>
    public static (string Id, bool Attach)? WaitForOrder()
    {
        var line = new List<byte>(80);
        Span<byte> one = stackalloc byte[1];
        while (line.Count < 256 && Fd.Read(0, one) == 1)
        {
            if (one[0] == (byte)'\n')
            {
                var parts = Encoding.ASCII.GetString(line.ToArray()).Split(' ');
                return parts.Length == 2 && ContainerStore.IsId(parts[0]) && parts[1] is "attach" or "detached"
                    ? (parts[0], parts[1] == "attach")
                    : null;
            }
            line.Add(one[0]);
        }
        return null;
    }

    public void Dispose()
    {
        Fd.Close(Interlocked.Exchange(ref _order, -1));
        Fd.Close(Interlocked.Exchange(ref _result, -1));
    }
}
