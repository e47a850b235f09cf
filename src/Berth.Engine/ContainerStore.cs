using System.Security.Cryptography;
using System.Text.Json;

namespace Berth.Engine;

/// <summary>
/// The engine's containers under <c>DATA/containers/ID/</c>, each with its <c>container.json</c>. Adding and removing
/// happen under an exclusive lock (<c>DATA/containers/.lock</c>) so names stay unique between concurrent
/// processes; a record is rewritten whole through a temporary file, so readers never see half of one.
/// Names are indexed by symbolic links <c>DATA/containers/.names/NAME → ID</c>, so that finding a container by id or
/// name reads one record, not all of them. A link counts only while the record it points to has that name: one left
/// by a crash part-way through an add or a remove is ignored, and replaced by the next add of the name.
/// The user-namespace slices held by containers (<c>--userns auto</c>) are indexed the same way, by empty files
/// <c>DATA/containers/.userns/HOSTUID.ID</c>: handing out a slice reads one folder, not every record.
/// </summary>
public sealed class ContainerStore
{
    /// <summary>The record's file name in a container's folder.</summary>
    public const string RecordFile = "container.json";

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Uses (and creates when missing) <paramref name="root"/>.</summary>
    public ContainerStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    /// <summary>The containers folder.</summary>
    public string Root { get; }

    /// <summary>A container's folder.</summary>
    public string Dir(string id) => Path.Combine(Root, id);

    private string NamesDir => Path.Combine(Root, ".names");

    private string SlicesDir => Path.Combine(Root, ".userns");

    private string LockPath => Path.Combine(Root, ".lock");

    /// <summary>A new random id: 64 hex digits.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Whether <paramref name="name"/> is a valid container name (Docker's rule: <c>[a-zA-Z0-9][a-zA-Z0-9_.-]*</c>).</summary>
    public static bool IsValidName(string name)
        => name.Length is > 0 and <= 128 && char.IsAsciiLetterOrDigit(name[0])
           && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    /// <summary>
    /// Adds a container: checks its name is free (under the lock), makes its folder and writes its record;
    /// <paramref name="prepare"/> then fills the folder (bundle, files). If it throws, the folder is removed.
    /// </summary>
    /// <exception cref="EngineException">The name is invalid or taken.</exception>
    public void Add(ContainerRecord record, Action<string>? prepare = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!IsValidName(record.Name))
            throw new EngineException($"invalid container name \"{record.Name}\": use letters, digits, '_', '.' and '-', starting with a letter or digit");
        using (FileLock.Take(LockPath, LockTimeout))
        {
            EnsureNameIndex();
            if (ByName(record.Name) is { } taken)
                throw new EngineException($"the container name \"{record.Name}\" is already in use by container {taken.Id[..12]}; remove or rename that container to reuse the name");
            // The name is claimed first: a crash before the record is written leaves a link that counts for nothing.
            var link = Path.Combine(NamesDir, record.Name);
            File.Delete(link);
            File.CreateSymbolicLink(link, record.Id);
            var slice = record.UserNamespace is { } range ? SliceEntry(range.HostUid, record.Id) : null;
            if (slice is not null)
            {
                EnsureSliceIndex();
                File.Create(slice).Dispose();
            }
            Directory.CreateDirectory(Dir(record.Id));
            try
            {
                prepare?.Invoke(Dir(record.Id));
                Save(record);
            }
            catch
            {
                Directory.Delete(Dir(record.Id), recursive: true);
                File.Delete(link);
                if (slice is not null) File.Delete(slice);
                throw;
            }
        }
    }

    /// <summary>Reads a container's record.</summary>
    /// <exception cref="EngineException">No such container, or its record is damaged.</exception>
    public ContainerRecord Load(string id)
    {
        try
        {
            using var file = File.OpenRead(Path.Combine(Dir(id), RecordFile));
            return JsonSerializer.Deserialize(file, EngineJsonContext.Default.ContainerRecord)
                   ?? throw new EngineException($"container {id}: its record is empty");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new EngineException($"no such container: {id}", e);
        }
        catch (JsonException e)
        {
            throw new EngineException($"container {id}: its record {Path.Combine(Dir(id), RecordFile)} is damaged: {e.Message}", e);
        }
    }

    /// <summary>Writes a record whole (temporary file, then rename).</summary>
    public void Save(ContainerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var path = Path.Combine(Dir(record.Id), RecordFile);
        var temp = path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(record, EngineJsonContext.Default.ContainerRecord));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Every container with a readable record, oldest first.</summary>
    public IReadOnlyList<ContainerRecord> List()
    {
        var list = new List<ContainerRecord>();
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var id = Path.GetFileName(dir);
            if (id.Length != 64 || !File.Exists(Path.Combine(dir, RecordFile))) continue;
            try { list.Add(Load(id)); }
            catch (EngineException) { }
        }
        return list.OrderBy(c => c.Created).ToList();
    }

    /// <summary>
    /// The container named by <paramref name="nameOrId"/>: a full id, a name, or a prefix of one id (Docker's
    /// lookup order). Reads only the record it finds.
    /// </summary>
    /// <exception cref="EngineException">No such container, or a prefix that matches several.</exception>
    public ContainerRecord Find(string nameOrId)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrId);
        if (IsId(nameOrId) && TryLoad(nameOrId) is { } byId) return byId;
        var name = nameOrId.TrimStart('/');
        if (!Directory.Exists(NamesDir))
        {
            // A store from before the name index: the next add builds it.
            if (List().FirstOrDefault(c => c.Name == name) is { } scanned) return scanned;
        }
        else if (IsValidName(name) && ByName(name) is { } byName)
        {
            return byName;
        }
        var matches = Ids().Where(id => id.StartsWith(nameOrId, StringComparison.Ordinal)).Take(2).ToList();
        return matches.Count switch
        {
            1 when TryLoad(matches[0]) is { } byPrefix => byPrefix,
            0 or 1 => throw new EngineException($"no such container: {nameOrId}"),
            _ => throw new EngineException($"\"{nameOrId}\" matches {Ids().Count(id => id.StartsWith(nameOrId, StringComparison.Ordinal))} containers; give more of the id"),
        };
    }

    /// <summary>The names in use (by the name index; a store without one is read whole).</summary>
    public IReadOnlySet<string> Names()
        => Directory.Exists(NamesDir)
            ? Directory.EnumerateFileSystemEntries(NamesDir).Select(Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal)
            : List().Select(c => c.Name).ToHashSet(StringComparer.Ordinal);

    internal static bool IsId(string text) => text.Length == 64 && text.All(char.IsAsciiHexDigitLower);

    /// <summary>The ids of the containers that have a record (folder names only: nothing is parsed).</summary>
    private IEnumerable<string> Ids()
        => Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>()
            .Where(id => IsId(id) && File.Exists(Path.Combine(Root, id, RecordFile)));

    private ContainerRecord? TryLoad(string id)
    {
        try { return Load(id); }
        catch (EngineException) when (!File.Exists(Path.Combine(Dir(id), RecordFile))) { return null; }
    }

    /// <summary>The container that holds <paramref name="name"/> by the index, when its record still has that name.</summary>
    private ContainerRecord? ByName(string name)
    {
        string? target;
        try { target = new FileInfo(Path.Combine(NamesDir, name)).LinkTarget; }
        catch (IOException) { return null; }
        return target is not null && IsId(target) && TryLoad(target) is { } record && record.Name == name ? record : null;
    }

    /// <summary>Builds the name index from the records when the store has none yet (under the store's lock).</summary>
    private void EnsureNameIndex()
    {
        if (Directory.Exists(NamesDir)) return;
        var building = NamesDir + ".building";
        if (Directory.Exists(building)) Directory.Delete(building, recursive: true);
        Directory.CreateDirectory(building);
        foreach (var c in List()) File.CreateSymbolicLink(Path.Combine(building, c.Name), c.Id);
        Directory.Move(building, NamesDir);
    }

    /// <summary>
    /// The host uids at which containers' user-namespace slices start, by the index (built from the records the first
    /// time). An entry whose container is gone (a crash part-way through an add or a remove) is dropped.
    /// </summary>
    public IReadOnlySet<uint> UserNamespacesInUse()
    {
        using (FileLock.Take(LockPath, LockTimeout))
        {
            EnsureSliceIndex();
            var ids = Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>().Where(IsId).ToHashSet(StringComparer.Ordinal);
            var used = new HashSet<uint>();
            foreach (var entry in Directory.EnumerateFiles(SlicesDir))
            {
                var name = Path.GetFileName(entry);
                var dot = name.IndexOf('.', StringComparison.Ordinal);
                if (dot > 0 && uint.TryParse(name.AsSpan(0, dot), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var uid)
                    && ids.Contains(name[(dot + 1)..]))
                    used.Add(uid);
                else
                    File.Delete(entry);
            }
            return used;
        }
    }

    private string SliceEntry(uint hostUid, string id) => Path.Combine(SlicesDir, hostUid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + id);

    /// <summary>Builds the slice index from the records when the store has none yet (under the store's lock).</summary>
    private void EnsureSliceIndex()
    {
        if (Directory.Exists(SlicesDir)) return;
        var building = SlicesDir + ".building";
        if (Directory.Exists(building)) Directory.Delete(building, recursive: true);
        Directory.CreateDirectory(building);
        foreach (var c in List())
        {
            if (c.UserNamespace is { } range)
                File.Create(Path.Combine(building, Path.GetFileName(SliceEntry(range.HostUid, c.Id)))).Dispose();
        }
        Directory.Move(building, SlicesDir);
    }

    /// <summary>Like <see cref="Find"/>, null when nothing matches.</summary>
    public ContainerRecord? TryFind(string nameOrId)
    {
        try { return Find(nameOrId); }
        catch (EngineException) { return null; }
    }

    /// <summary>Removes a container's folder (under the lock, so a name freed is free for the next <see cref="Add"/>).</summary>
    public void Remove(string id)
    {
        using (FileLock.Take(LockPath, LockTimeout))
        {
            var record = TryLoad(id);
            // Renamed away first: a half-removed container is never listed.
            var trash = Path.Combine(Root, ".removing-" + id);
            try { Directory.Move(Dir(id), trash); }
            catch (DirectoryNotFoundException) { return; }
            if (record is not null)
            {
                var link = Path.Combine(NamesDir, record.Name);
                if (new FileInfo(link).LinkTarget == id) File.Delete(link);
                if (record.UserNamespace is { } range) File.Delete(SliceEntry(range.HostUid, id));
            }
            Directory.Delete(trash, recursive: true);
        }
    }
}
