using System.Text.Json;

namespace Berth.Images;

/// <summary>
/// The node's images: a <see cref="ContentStore"/> for their blobs, and the names (tags) that point at their
/// manifests, kept in <c>ROOT/images.json</c>. Every change to the names happens under an exclusive lock on
/// <c>ROOT/images.lock</c> and is written to a temporary file renamed over the old one, so that concurrent
/// <c>berth</c> processes never lose each other's tags and a reader never sees half a file.
/// </summary>
public sealed class ImageStore
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Uses (and creates when missing) the store at <paramref name="root"/>.</summary>
    public ImageStore(string root)
    {
        Content = new ContentStore(root);
        Root = Content.Root;
    }

    /// <summary>The store's folder.</summary>
    public string Root { get; }

    /// <summary>The blobs.</summary>
    public ContentStore Content { get; }

    private string NamesFile => Path.Combine(Root, "images.json");

    private string LockFile => Path.Combine(Root, "images.lock");

    /// <summary>Points <paramref name="reference"/> (which must carry a tag) at the manifest or index <paramref name="target"/>, which must be in the store.</summary>
    /// <exception cref="ImageException">The reference has no tag, or the manifest is not in the store.</exception>
    public void Tag(ImageReference reference, Descriptor target) => Tag([(reference, target)]);

    /// <summary>
    /// Sets several names at once, under one lock: all of them or, when one cannot be set, none. Each reference must
    /// carry a tag and each target be in the store.
    /// </summary>
    /// <exception cref="ImageException">A reference has no tag, or a manifest is not in the store; no name was set.</exception>
    public void Tag(IReadOnlyCollection<(ImageReference Reference, Descriptor Target)> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var (reference, target) in names)
        {
            ArgumentNullException.ThrowIfNull(reference);
            ArgumentNullException.ThrowIfNull(target);
            if (reference.Tag is null) throw new ImageException($"cannot name an image {reference}: a name needs a tag");
            if (!Content.Exists(target.Digest)) throw new ImageException($"cannot name {target.Digest} {reference.Familiar}: it is not in the store");
        }
        Update(all =>
        {
            foreach (var (reference, target) in names) all[reference.WithTag(reference.Tag!).ToString()] = target;
        });
    }

    /// <summary>Removes a name; false when there was no such name.</summary>
    public bool Untag(ImageReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var removed = false;
        Update(names => removed = names.Remove(reference.ToString()));
        return removed;
    }

    /// <summary>
    /// What <paramref name="reference"/> names: by its digest when it carries one (the manifest must then be in the
    /// store), else by its tag. Null when the store has no such image.
    /// </summary>
    public Descriptor? Resolve(ImageReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.Digest is { } digest)
        {
            if (!Content.Exists(digest)) return null;
            var bytes = Content.ReadAllAsync(digest, ManifestReader.MaxSize).GetAwaiter().GetResult();
            var type = ManifestReader.Read(bytes) switch { ImageIndex i => i.MediaType, var m => ((ImageManifest)m).MediaType };
            return new Descriptor(type, digest, bytes.Length);
        }
        return Read().GetValueOrDefault(reference.ToString());
    }

    /// <summary>Every name and what it points at, sorted by name.</summary>
    public IReadOnlyList<(ImageReference Reference, Descriptor Target)> List()
        => Read().OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (ImageReference.Parse(p.Key), p.Value)).ToList();

    private void Update(Action<Dictionary<string, Descriptor>> change)
    {
        using var held = Lock();
        var names = Read();
        change(names);
        var temp = NamesFile + $".{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        File.WriteAllBytes(temp, Serialize(names));
        File.Move(temp, NamesFile, overwrite: true);
    }

    /// <summary>Takes the exclusive lock (an flock that .NET takes for FileShare.None), waiting for other holders.</summary>
    private FileStream Lock()
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(2);
            }
            catch (IOException e)
            {
                throw new ImageException($"the image store at {Root} stayed locked for {LockTimeout.TotalSeconds:0} s ({LockFile})", e);
            }
        }
    }

    private Dictionary<string, Descriptor> Read()
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(NamesFile);
        }
        catch (FileNotFoundException)
        {
            return new Dictionary<string, Descriptor>(StringComparer.Ordinal);
        }
        try
        {
            using var doc = JsonDocument.Parse(json);
            var names = new Dictionary<string, Descriptor>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.GetProperty("images").EnumerateObject())
            {
                var digest = Digest.Parse(p.Value.GetProperty("digest").GetString()!);
                names[p.Name] = new Descriptor(p.Value.GetProperty("mediaType").GetString()!, digest, p.Value.GetProperty("size").GetInt64());
            }
            return names;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ImageException or FormatException)
        {
            throw new ImageException($"{NamesFile} is damaged ({e.Message}); move it away to start the names over (the blobs stay)", e);
        }
    }

    private static byte[] Serialize(Dictionary<string, Descriptor> names)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("images");
            foreach (var (name, d) in names.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject(name);
                w.WriteString("mediaType", d.MediaType);
                w.WriteString("digest", d.Digest.ToString());
                w.WriteNumber("size", d.Size);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }
}
