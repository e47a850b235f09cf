using Berth.ControlPlane.Teams;

namespace Berth.Ui.Model;

/// <summary>
/// A team's quota as the admin edits it: each limit empty for unlimited, memory in MiB. The version read is sent back
/// so that a change made meanwhile by someone else is refused instead of lost.
/// </summary>
public sealed class QuotaForm
{
    public int? MaxContainers { get; set; }

    public double? MaxCpus { get; set; }

    public long? MaxMemoryMiB { get; set; }

    public long? MaxPids { get; set; }

    public uint? Version { get; private set; }

    // The exact memory limit read, kept while the MiB field still shows it.
    private (long Bytes, long MiB)? _loadedMemory;

    public static QuotaForm From(QuotaView quota)
    {
        ArgumentNullException.ThrowIfNull(quota);
        var form = new QuotaForm { MaxContainers = quota.MaxContainers, MaxCpus = quota.MaxCpus, MaxPids = quota.MaxPids, Version = quota.Version };
        form._loadedMemory = quota.MaxMemoryBytes is { } b ? (b, (b + 1048575) / 1048576) : null;
        form.MaxMemoryMiB = form._loadedMemory?.MiB;
        return form;
    }

    /// <summary>What is wrong with the fields, one message each; empty when the form may be sent.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxContainers is < 0) errors.Add("Max containers cannot be negative.");
        if (MaxCpus is { } c && (c < 0 || !double.IsFinite(c))) errors.Add("Max CPUs cannot be negative.");
        if (MaxMemoryMiB is < 0) errors.Add("Max memory cannot be negative.");
        if (MaxPids is < 0) errors.Add("Max processes cannot be negative.");
        return errors;
    }

    public QuotaRequest ToRequest() => new()
    {
        MaxContainers = MaxContainers,
        MaxCpus = MaxCpus,
        MaxMemoryBytes = MaxMemoryMiB is { } m ? (_loadedMemory is { } lm && lm.MiB == m ? lm.Bytes : m * 1048576L) : null,
        MaxPids = MaxPids,
        Version = Version,
    };
}
