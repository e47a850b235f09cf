namespace Berth.Images;

/// <summary>An image's platform: <c>os/architecture[/variant]</c>, such as <c>linux/amd64</c> or <c>linux/arm/v7</c>.</summary>
public sealed record Platform(string Os, string Architecture, string? Variant = null)
{
    /// <summary>The platform Berth runs images for by default.</summary>
    public static readonly Platform Default = new("linux", "amd64");

    /// <summary>This machine's platform, in the OCI (Go) names: <c>linux/amd64</c>, <c>linux/arm64</c>, <c>linux/arm/v7</c>…</summary>
    public static Platform Host { get; } = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => new("linux", "amd64"),
        System.Runtime.InteropServices.Architecture.Arm64 => new("linux", "arm64"),
        System.Runtime.InteropServices.Architecture.Arm => new("linux", "arm", "v7"),
        System.Runtime.InteropServices.Architecture.X86 => new("linux", "386"),
        System.Runtime.InteropServices.Architecture.S390x => new("linux", "s390x"),
        System.Runtime.InteropServices.Architecture.Ppc64le => new("linux", "ppc64le"),
        System.Runtime.InteropServices.Architecture.RiscV64 => new("linux", "riscv64"),
        System.Runtime.InteropServices.Architecture.LoongArch64 => new("linux", "loong64"),
        var other => new("linux", other.ToString().ToLowerInvariant()),
    };

    /// <summary>Parses <c>os/architecture[/variant]</c>.</summary>
    /// <exception cref="ImageException">Not of that form.</exception>
    public static Platform Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0))
            throw new ImageException($"platform \"{text}\" is not of the form os/architecture[/variant], such as linux/amd64");
        return new Platform(parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
    }

    /// <summary>Whether an image built for <paramref name="other"/> is one for this platform (a missing variant matches any).</summary>
    public bool Matches(Platform other)
        => Os == other.Os && Architecture == other.Architecture && (Variant is null || other.Variant is null || Variant == other.Variant);

    /// <inheritdoc/>
    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}
