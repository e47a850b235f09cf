namespace Berth.Engine;

/// <summary>
/// The messages of a container's attach socket (<c>attach.sock</c>, SOCK_SEQPACKET, one message per frame): the
/// first byte says what it is, the rest is the payload.
/// </summary>
public static class AttachFrame
{
    /// <summary>Client to shim: bytes for the container's stdin.</summary>
    public const byte Stdin = 0;

    /// <summary>Shim to client: what the container wrote to stdout (or its terminal).</summary>
    public const byte Stdout = 1;

    /// <summary>Shim to client: what the container wrote to stderr.</summary>
    public const byte Stderr = 2;

    /// <summary>Shim to client: the container exited; the payload is its exit code in decimal. Last frame.</summary>
    public const byte Exit = 3;

    /// <summary>Client to shim: the client's stdin ended; the container's stdin is closed.</summary>
    public const byte CloseStdin = 4;

    /// <summary>Client to shim: the terminal's size, <c>ROWS COLS</c>.</summary>
    public const byte Resize = 5;

    /// <summary>The attach socket's file name in a container's folder.</summary>
    public const string SocketName = "attach.sock";

    /// <summary>A frame of <paramref name="type"/> carrying <paramref name="payload"/>.</summary>
    public static byte[] Make(byte type, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[payload.Length + 1];
        frame[0] = type;
        payload.CopyTo(frame.AsSpan(1));
        return frame;
    }
}
