namespace Berth.Images;

/// <summary>
/// How a root file system tarball becomes an image (what <c>docker import --change</c> sets): the fields of the image
/// config to write, each left out when null, and what the history entry says.
/// </summary>
public sealed record RootfsImportOptions
{
    /// <summary>The user to run as (<c>name</c>, <c>uid</c>, <c>name:group</c> or <c>uid:gid</c>).</summary>
    public string? User { get; init; }

    /// <summary>The environment, <c>NAME=value</c> each.</summary>
    public IReadOnlyList<string>? Env { get; init; }

    /// <summary>The program and its first arguments.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    /// <summary>The default arguments, or the program when there is no entrypoint.</summary>
    public IReadOnlyList<string>? Cmd { get; init; }

    /// <summary>The working directory, an absolute path.</summary>
    public string? WorkingDir { get; init; }

    /// <summary>The platform the image says it is for; <see cref="Platform.Host"/> when null.</summary>
    public Platform? Platform { get; init; }

    /// <summary>When the image was made; now when null (give it for a reproducible config digest).</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>The history entry's comment.</summary>
    public string Comment { get; init; } = "imported from a root file system tarball";
}
