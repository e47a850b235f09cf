namespace Berth.Cli;

/// <summary>A one-line bar for <c>image load</c> on a terminal: how much of the archive is read.</summary>
public sealed class LoadProgressView : IProgress<(long Done, long Total)>
{
    public void Report((long Done, long Total) value)
    {
        const int width = 30;
        var filled = value.Total > 0 ? (int)(width * Math.Min(value.Done, value.Total) / value.Total) : width;
        Console.Out.Write($"\r\x1b[2KLoading [{new string('=', Math.Max(0, filled - 1))}{(filled > 0 ? ">" : "")}{new string(' ', width - filled)}] {Display.Size(value.Done)}/{Display.Size(value.Total)}");
    }
}
