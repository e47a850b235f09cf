namespace Berth.Ui.Model;

/// <summary>Return addresses after sign-in: a path on this site only, so that a link cannot send a user elsewhere.</summary>
public static class LocalPath
{
    /// <summary><paramref name="url"/> when it is a local path ("/…", not "//…" nor "/\…"); <paramref name="fallback"/> otherwise.</summary>
    public static string Or(string? url, string fallback)
    {
        if (string.IsNullOrEmpty(url) || url[0] != '/') return fallback;
        if (url.Length > 1 && (url[1] == '/' || url[1] == '\\')) return fallback;
        return url.Any(char.IsControl) ? fallback : url;
    }
}
