namespace Berth.ControlPlane.Teams;

/// <summary>The body of <c>PUT /api/v1/teams/{id}/quota</c>: every limit (null or left out: unlimited), and optionally the version read.</summary>
public sealed class QuotaRequest
{
    public int? MaxContainers { get; set; }

    public double? MaxCpus { get; set; }

    public long? MaxMemoryBytes { get; set; }

    public long? MaxPids { get; set; }

    /// <summary>The <see cref="QuotaView.Version"/> this change was made from; when given and the quota changed since, the change is refused (409).</summary>
    public uint? Version { get; set; }
}
