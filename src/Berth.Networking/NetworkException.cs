namespace Berth.Networking;

/// <summary>A network could not be made, found, used or removed; the message is for the user and says which and why.</summary>
public class NetworkException : Exception
{
    public NetworkException(string message)
        : base(message)
    {
    }

    public NetworkException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public NetworkException()
    {
    }
}
