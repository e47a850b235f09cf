namespace Berth.Runtime;

/// <summary>A runtime operation that cannot be done as asked: the message is the one line the user sees.</summary>
public sealed class RuntimeException : Exception
{
    public RuntimeException(string message) : base(message) { }
    public RuntimeException(string message, Exception inner) : base(message, inner) { }
}
