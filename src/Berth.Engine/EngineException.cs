namespace Berth.Engine;

/// <summary>A request the engine cannot carry out (no such container, a name taken, bad options): the message is for the user.</summary>
public sealed class EngineException : Exception
{
    public EngineException(string message)
        : base(message)
    {
    }

    public EngineException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
