namespace Berth.Testing;

/// <summary>
/// Where test fixtures put their files. Everything lives under
/// <c>/tmp/berth-tests</c>: short paths keep unix socket paths under the
/// kernel's 108-byte limit, and one root makes leaks easy to find.
/// </summary>
public static class TestPaths
{
    /// <summary>The folder that holds every fixture's files.</summary>
    public const string Root = "/tmp/berth-tests";

    /// <summary>
    /// Creates and returns a new, empty folder <c>/tmp/berth-tests/PREFIX-ID</c>.
    /// The caller owns it and deletes it.
    /// </summary>
    /// <param name="prefix">What the folder is for, e.g. "bundle" or "root".</param>
    public static string NewDirectory(string prefix)
    {
        Directory.CreateDirectory(Root);
        var path = Path.Combine(Root, UniqueId.New(prefix));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// Deletes <paramref name="path"/> and everything under it; a missing
    /// folder is fine. Retries briefly because a container's processes may
    /// still be exiting, then throws <see cref="IOException"/> naming the
    /// path: what is left behind (a busy mount, say) is a leak worth seeing.
    /// </summary>
    /// <param name="path">The folder to delete.</param>
    public static void DeleteDirectory(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(path) && !File.GetAttributes(path).HasFlag(FileAttributes.ReparsePoint))
                {
                    Directory.Delete(path, recursive: true);
                }
                else if (File.Exists(path) || Directory.Exists(path))
                {
                    File.Delete(path);
                }

                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(100 * attempt);
            }
            catch (IOException e)
            {
                throw new IOException($"cannot delete {path}: {e.Message}", e);
            }
        }
    }
}
