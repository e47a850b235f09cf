using System.Globalization;

namespace Berth.Engine;

/// <summary>Docker's restart policies: <c>no</c>, <c>on-failure[:MAX]</c>, <c>always</c>, <c>unless-stopped</c>.</summary>
public sealed record RestartPolicy(string Name, int MaxRetries = 0)
{
    public static readonly RestartPolicy No = new("no");

    /// <summary>Parses <c>--restart</c>'s value.</summary>
    /// <exception cref="EngineException">Not one of the policies.</exception>
    public static RestartPolicy Parse(string text)
    {
        var (name, max) = text.IndexOf(':', StringComparison.Ordinal) is var i and >= 0 ? (text[..i], text[(i + 1)..]) : (text, null);
        if (name is not ("no" or "on-failure" or "always" or "unless-stopped"))
            throw new EngineException($"invalid restart policy \"{text}\": use no, on-failure[:max-retries], always or unless-stopped");
        if (max is null) return new RestartPolicy(name);
        if (name != "on-failure") throw new EngineException($"invalid restart policy \"{text}\": only on-failure takes a maximum retry count");
        if (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            throw new EngineException($"invalid restart policy \"{text}\": the maximum retry count must be a whole number of 1 or more");
        return new RestartPolicy(name, n);
    }

    /// <summary>Whether a container that exited with <paramref name="exitCode"/> after <paramref name="restarts"/> restarts, not stopped by a user, starts again.</summary>
    public bool ShouldRestart(int exitCode, int restarts, bool stoppedByUser) => !stoppedByUser && Name switch
    {
        "always" or "unless-stopped" => true,
        "on-failure" => exitCode != 0 && (MaxRetries == 0 || restarts < MaxRetries),
        _ => false,
    };

    public override string ToString() => MaxRetries > 0 ? $"{Name}:{MaxRetries}" : Name;
}
