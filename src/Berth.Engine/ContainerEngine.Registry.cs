using Berth.Images;
using Berth.Images.Registry;

namespace Berth.Engine;

public sealed partial class ContainerEngine
{
    /// <summary>
    /// Pulls an image from its registry into the store and names it (<c>berth image pull</c>). Credentials come from
    /// <see cref="EngineOptions.RegistryConfig"/>; plain HTTP is used only for loopback registries and those in
    /// <see cref="EngineOptions.InsecureRegistries"/>.
    /// </summary>
    /// <exception cref="EngineException">A bad reference, or the pull failed (nothing of it is named then).</exception>
    public async Task<PullResult> PullAsync(string text, IProgress<PullProgress>? progress = null, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        var reference = ParseReference(text);
        if (reference.Tag is null && reference.Digest is null) reference = reference.WithTag("latest");
        try
        {
            using var hold = HoldStore();
            using var client = new RegistryClient(ClientOptions());
            var result = await client.PullAsync(reference, Images, new PullOptions { Platform = platform ?? Platform.Default }, progress, cancellationToken).ConfigureAwait(false);
            Events.Append(new EngineEvent { Type = "image", Action = "pull", Subject = reference.ToString(), Image = result.Image.Config.Digest.ToString() });
            return result;
        }
        catch (ImageException e)
        {
            throw new EngineException($"pull {reference.Familiar}: {e.Message}", e);
        }
    }

    /// <summary>Pushes an image of the store to a registry, under <paramref name="target"/> (default: its own name).</summary>
    /// <exception cref="EngineException">No such image, or the push failed.</exception>
    public async Task<PushResult> PushAsync(string source, string? target = null, CancellationToken cancellationToken = default)
    {
        var from = ParseReference(source);
        if (from.Tag is null && from.Digest is null) from = from.WithTag("latest");
        var to = target is null ? from : ParseReference(target);
        if (to.Tag is null && to.Digest is null) to = to.WithTag(from.Tag ?? "latest");
        try
        {
            using var client = new RegistryClient(ClientOptions());
            var result = await client.PushAsync(from, to, Images, cancellationToken: cancellationToken).ConfigureAwait(false);
            Events.Append(new EngineEvent { Type = "image", Action = "push", Subject = to.ToString(), Image = result.Manifest.Digest.ToString() });
            return result;
        }
        catch (ImageException e)
        {
            throw new EngineException($"push {to.Familiar}: {e.Message}", e);
        }
    }

    private RegistryClientOptions ClientOptions()
    {
        RegistryCredentials credentials;
        try { credentials = Options.RegistryConfig is { } path ? RegistryCredentials.Load(path) : RegistryCredentials.None; }
        catch (ImageException e) { throw new EngineException(e.Message, e); }
        return new RegistryClientOptions { Credentials = credentials, InsecureRegistries = [.. Options.InsecureRegistries] };
    }

    private static ImageReference ParseReference(string text)
    {
        try { return ImageReference.Parse(text); }
        catch (ImageException e) { throw new EngineException(e.Message, e); }
    }
}
