namespace Berth.Engine;

/// <summary>One line of a container's log: when, on which stream, and what (with its newline, if it had one).</summary>
public sealed record ContainerLogLine(DateTimeOffset Time, string Stream, string Text);
