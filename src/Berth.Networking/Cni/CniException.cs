namespace Berth.Networking.Cni;

/// <summary>
/// A CNI plugin failed: its error object (CNI spec, "Error": <c>code</c>, <c>msg</c>, <c>details</c>), or why it
/// could not be run (not found, timed out, output that is not JSON).
/// </summary>
public sealed class CniException : NetworkException
{
    public CniException(string plugin, string command, int code, string message, string? details = null)
        : base($"CNI plugin {plugin} {command}: {message}" + (string.IsNullOrWhiteSpace(details) ? "" : $" ({details})") + (code > 0 ? $" [code {code}]" : ""))
    {
        Plugin = plugin;
        Command = command;
        Code = code;
        Msg = message;
        Details = details;
    }

    public CniException()
    {
        Plugin = Command = Msg = "";
    }

    public CniException(string message)
        : base(message)
    {
        Plugin = Command = Msg = "";
    }

    public CniException(string message, Exception inner)
        : base(message, inner)
    {
        Plugin = Command = Msg = "";
    }

    /// <summary>The plugin's type (its binary's name).</summary>
    public string Plugin { get; }

    /// <summary>ADD, DEL, CHECK or VERSION.</summary>
    public string Command { get; }

    /// <summary>The error code: 1–99 are the spec's (1 incompatible version, 2 unsupported field, 3 unknown container, 4 invalid environment, 5 I/O, 6 decoding, 7 invalid config, 11 try again later), 100 and up the plugin's; 0 when the plugin gave none.</summary>
    public int Code { get; }

    /// <summary>The plugin's <c>msg</c>.</summary>
    public string Msg { get; }

    /// <summary>The plugin's <c>details</c>, if any.</summary>
    public string? Details { get; }
}
