using System.Text.Json;
using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Runtime.State;

/// <summary>
/// The runtime's state root (default <c>/run/berth</c>): one directory per container holding
/// <c>state.json</c>, a copy of <c>config.json</c> and, until <c>start</c>, the <c>exec.fifo</c>.
/// </summary>
public sealed class StateStore
{
    /// <summary>File names inside a container's state directory.</summary>
    public const string StateFile = "state.json", ConfigFile = "config.json", ExecFifo = "exec.fifo";

    /// <summary>
    /// Present only when the config has <c>startContainer</c> hooks: the init writes their outcome here, so that
    /// <c>start</c> fails when one fails, as the runtime spec says.
    /// </summary>
    public const string HooksFifo = "hooks.fifo";

    /// <summary>Opens (without creating) the state root at <paramref name="root"/>.</summary>
    public StateStore(string root)
    {
        Root = Path.GetFullPath(root);
    }

    /// <summary>The absolute state root.</summary>
    public string Root { get; }

    /// <summary>The state directory of container <paramref name="id"/>.</summary>
    public string Dir(string id) => Path.Combine(Root, id);

    /// <summary>
    /// Removes the state directory of <paramref name="id"/>, if any: the files the runtime puts there by name,
    /// then the directory, which is a handful of system calls; anything else found there (a temporary file of
    /// a save cut short, something put there by hand) by a recursive delete.
    /// </summary>
    public void Remove(string id)
    {
        var dir = Dir(id);
        foreach (var file in (string[])[StateFile, ConfigFile, ExecFifo, HooksFifo]) Nodes.TryUnlink(Path.Combine(dir, file));
        if (Nodes.TryRemoveDirectory(dir) is 0 or Errno.ENOENT) return;
        try { Directory.Delete(dir, recursive: true); }
        catch (DirectoryNotFoundException) { /* removed meanwhile */ }
    }

    /// <summary>Checks a container id: letters, digits and <c>_ . + -</c>, at most 128 characters, not starting with a symbol.</summary>
    /// <exception cref="RuntimeException">The id is not valid.</exception>
    public static void ValidateId(string id)
    {
        if (!IsValidId(id))
            throw new RuntimeException($"invalid container id \"{id}\": use 1-128 letters, digits, '_', '.', '+' or '-', starting with a letter or digit");
    }

    // By hand rather than with a regex, whose first use is a noticeable part of a container's start-up.
    private static bool IsValidId(string id)
    {
        if (id.Length is 0 or > 128 || !char.IsAsciiLetterOrDigit(id[0])) return false;
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '+' or '-')) return false;
        }
        return true;
    }

    /// <summary>Whether container <paramref name="id"/> exists.</summary>
    public bool Exists(string id) => File.Exists(Path.Combine(Dir(id), StateFile)) || Directory.Exists(Dir(id));

    /// <summary>
    /// Creates the state directory of a new container; fails if the id is taken. The directory is mode 0711 and
    /// its parent (the root) is created 0711 if missing.
    /// </summary>
    public string CreateDir(string id)
    {
        ValidateId(id);
        var dir = Dir(id);
        try
        {
            Directory.CreateDirectory(Root);
            // mkdir(2) itself decides between two concurrent creates of one id: exactly one gets the directory.
            if (!Nodes.MakeDirectory(dir, 0x1C9 /* 0711 */)) throw new RuntimeException($"container \"{id}\" already exists");
        }
        catch (LinuxException e)
        {
            throw new RuntimeException($"cannot create state directory {dir}: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new RuntimeException($"cannot create state directory {dir}: {e.Message}", e);
        }
        return dir;
    }

    /// <summary>Reads the state of <paramref name="id"/>.</summary>
    /// <exception cref="RuntimeException">No such container, or its state is unreadable.</exception>
    public ContainerState Load(string id)
    {
        ValidateId(id);
        var file = Path.Combine(Dir(id), StateFile);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(file); }
        catch (FileNotFoundException) { throw new RuntimeException($"container \"{id}\" does not exist"); }
        catch (DirectoryNotFoundException) { throw new RuntimeException($"container \"{id}\" does not exist"); }
        return StateSerializer.Read(bytes, file);
    }

    /// <summary>Writes <paramref name="state"/> atomically (temporary file, then rename).</summary>
    public void Save(ContainerState state)
    {
        var dir = Dir(state.Id);
        var tmp = Path.Combine(dir, $".state.{Environment.ProcessId}.tmp");
        File.WriteAllBytes(tmp, StateSerializer.Write(state));
        File.Move(tmp, Path.Combine(dir, StateFile), overwrite: true);
    }

    /// <summary>The ids of every container under the root (those with a state file), sorted.</summary>
    public IReadOnlyList<string> List()
    {
        if (!Directory.Exists(Root)) return [];
        return Directory.EnumerateDirectories(Root)
            .Where(d => File.Exists(Path.Combine(d, StateFile)))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The container's status, derived from the kernel rather than trusted from the file: a recorded exit or a
    /// vanished init means stopped; an init still waiting on the exec FIFO means created.
    /// </summary>
    public ContainerStatus Status(ContainerState state, Func<bool>? isFrozen = null)
    {
        if (state.Exit is not null || state.Error is not null) return ContainerStatus.Stopped;
        if (state.Pid == 0)
            return Processes.IsAlive(state.MonitorPid, state.MonitorStartTime) ? ContainerStatus.Creating : ContainerStatus.Stopped;
        if (!Processes.IsAlive(state.Pid, state.PidStartTime)) return ContainerStatus.Stopped;
        if (File.Exists(Path.Combine(Dir(state.Id), ExecFifo))) return ContainerStatus.Created;
        return isFrozen?.Invoke() == true ? ContainerStatus.Paused : ContainerStatus.Running;
    }

    /// <summary>The lower-case name of a status as the OCI state shows it.</summary>
    public static string StatusName(ContainerStatus s) => s switch
    {
        ContainerStatus.Creating => "creating",
        ContainerStatus.Created => "created",
        ContainerStatus.Running => "running",
        ContainerStatus.Paused => "paused",
        _ => "stopped",
    };
}
