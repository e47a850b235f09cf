using System.Text;
using System.Text.Json;
using Berth.Linux;

namespace Berth.Runtime.Security;

/// <summary>
/// Seccomp notify (<c>SCMP_ACT_NOTIFY</c> with <c>linux.seccomp.listenerPath</c>): hands the filter's listener
/// descriptor to the agent listening on that unix socket, as runc does: one message holding the container process
/// state JSON (runtime-spec runtime.md, "ContainerProcessState": <c>ociVersion</c>, <c>fds</c> naming
/// <c>seccompFd</c>, <c>pid</c>, <c>metadata</c> from <c>listenerMetadata</c>, <c>state</c>) with the descriptor as
/// SCM_RIGHTS. The socket is connected early, while the host's paths are still reachable (before pivot_root, or
/// before an exec joins the container's mount namespace), and the message is built then too: between loading the
/// filter and the hand-over the process makes no system call but <c>sendmsg</c> (which the validator refuses to
/// notify) and those of the .NET runtime itself. The caller owns the instance; <see cref="HandOver"/> closes it.
/// </summary>
public sealed class SeccompListener
{
    /// <summary>The name runc gives the listener in <c>fds</c>.</summary>
    public const string SeccompFdName = "seccompFd";

    private readonly int _socket;
    private readonly byte[] _message;
    private readonly string _path;

    private SeccompListener(int socket, byte[] message, string path)
    {
        _socket = socket;
        _message = message;
        _path = path;
    }

    /// <summary>
    /// Connects to <paramref name="listenerPath"/> and prepares the message for the process of host pid
    /// <paramref name="pid"/> in the container whose OCI state is <paramref name="stateJson"/>.
    /// </summary>
    /// <exception cref="RuntimeException">The agent's socket cannot be reached.</exception>
    public static SeccompListener Connect(string listenerPath, string? metadata, int pid, string stateJson)
    {
        int socket;
        try { socket = UnixSockets.Connect(listenerPath); }
        catch (LinuxException e) { throw new RuntimeException($"linux.seccomp.listenerPath: {e.Message}", e); }
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("ociVersion", RuntimeInfo.OciVersion);
            w.WriteStartArray("fds");
            w.WriteStringValue(SeccompFdName);
            w.WriteEndArray();
            w.WriteNumber("pid", pid);
            if (!string.IsNullOrEmpty(metadata)) w.WriteString("metadata", metadata);
            w.WritePropertyName("state");
            w.WriteRawValue(stateJson);
            w.WriteEndObject();
        }
        return new SeccompListener(socket, buffer.ToArray(), listenerPath);
    }

    /// <summary>Sends the message and <paramref name="listenerFd"/> to the agent, then closes both descriptors.</summary>
    /// <exception cref="RuntimeException">The agent went away.</exception>
    public void HandOver(int listenerFd)
    {
        try { UnixSockets.Send(_socket, _message, [listenerFd]); }
        catch (LinuxException e) { throw new RuntimeException($"linux.seccomp.listenerPath: handing the listener to {_path}: {e.Message}", e); }
        finally
        {
            Fd.Close(listenerFd);
            Fd.Close(_socket);
        }
    }

    /// <summary>The message as sent (for tests and logs).</summary>
    public string Message => Encoding.UTF8.GetString(_message);
}
