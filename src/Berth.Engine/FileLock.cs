namespace Berth.Engine;

/// <summary>An exclusive lock between processes on a lock file (an flock, which .NET takes for FileShare.None).</summary>
internal static class FileLock
{
    /// <summary>Takes the lock, waiting up to <paramref name="timeout"/> for other holders; dispose to release it.</summary>
    /// <exception cref="EngineException">Still held by another process after the timeout.</exception>
    public static IDisposable Take(string path, TimeSpan timeout) => Take(path, timeout, shared: false);

    /// <summary>
    /// Takes the lock shared (any number of shared holders, no exclusive one: .NET takes a shared flock for any
    /// FileShare but None), waiting up to <paramref name="timeout"/>.
    /// </summary>
    /// <exception cref="EngineException">Held exclusively by another process after the timeout.</exception>
    public static IDisposable TakeShared(string path, TimeSpan timeout) => Take(path, timeout, shared: true);

    private static FileStream Take(string path, TimeSpan timeout, bool shared)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return shared
                    ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite)
                    : new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (DateTime.UtcNow < deadline && e is not FileNotFoundException and not DirectoryNotFoundException)
            {
                Thread.Sleep(5);
            }
            catch (IOException e)
            {
                throw new EngineException($"{path} stayed locked for {timeout.TotalSeconds:0} s", e);
            }
        }
    }
}
