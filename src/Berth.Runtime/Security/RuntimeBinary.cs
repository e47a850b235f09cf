using System.Globalization;
using Berth.Linux;

namespace Berth.Runtime.Security;

/// <summary>
/// The berth binary as the processes that enter a container (the init, <c>exec</c>'s helper) are started from:
/// through a <see cref="SealedExecutable"/>, so that their <c>/proc/PID/exe</c>, which processes in the container
/// can open, never leads to a writable host file (CVE-2019-5736). Those processes also clear their dumpable flag
/// first thing (<see cref="Prctl.ClearDumpable"/>), which keeps the container's processes out of their
/// <c>/proc/PID</c> altogether until they exec the payload.
/// </summary>
public static class RuntimeBinary
{
    private static readonly Lock Gate = new();
    private static string? s_source;
    private static string? s_path;

    /// <summary>
    /// A <c>/proc/self/fd/N</c> path to spawn <paramref name="berthPath"/> through (see <see cref="SpawnOptions.Path"/>).
    /// The descriptor is opened once per process and kept open for its life.
    /// </summary>
    /// <exception cref="RuntimeException">The binary could not be opened either way.</exception>
    public static string ForContainer(string berthPath)
    {
        lock (Gate)
        {
            if (s_source == berthPath && s_path is not null) return s_path;
            int fd;
            try { fd = SealedExecutable.Open(berthPath, out _); }
            catch (Exception e) when (e is LinuxException or IOException or UnauthorizedAccessException)
            {
                throw new RuntimeException($"cannot protect the runtime binary {berthPath} from the container: {e.Message}", e);
            }
            s_source = berthPath;
            s_path = "/proc/self/fd/" + fd.ToString(CultureInfo.InvariantCulture);
            return s_path;
        }
    }
}
