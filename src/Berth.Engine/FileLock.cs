namespace Berth.Engine;

/// <summary>An exclusive lock between processes on a lock file (an flock, which .NET takes for FileShare.None).</summary>
internal static class FileLock
{
    /// <summary>Takes the lock, waiting up to <paramref name="timeout"/> for other holders; dispose to release it.</summary>
    /// <exception cref="EngineException">Still held by another process after the timeout.</exception>
    public static IDisposable Take(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
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
