namespace Berth.Runtime.State;

/// <summary>
/// The state document of the OCI runtime spec as <c>berth state</c> prints it (the same fields as runc, plus
/// the exit code, killing signal and OOM flag once the container has stopped).
/// </summary>
public sealed class OciState
{
    public string OciVersion { get; set; } = RuntimeInfo.OciVersion;
    public string Id { get; set; } = "";
    public int Pid { get; set; }
    public string Status { get; set; } = "";
    public string Bundle { get; set; } = "";
    public string Rootfs { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public string Owner { get; set; } = "";
    public Dictionary<string, string>? Annotations { get; set; }
    public int? ExitCode { get; set; }
    public string? ExitSignal { get; set; }
    public bool? OomKilled { get; set; }
    public DateTimeOffset? Finished { get; set; }
}
