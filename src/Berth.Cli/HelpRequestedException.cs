namespace Berth.Cli;

/// <summary><c>--help</c> after a verb: print that verb's usage and exit 0.</summary>
public sealed class HelpRequestedException : Exception
{
    public HelpRequestedException(string verb) : base(verb) => Verb = verb;

    /// <summary>The verb whose help was asked for.</summary>
    public string Verb { get; }
}
