namespace Berth.Cli;

/// <summary>Bad command-line usage; printed as one line, exit status 1.</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message) : base(message) { }
}
