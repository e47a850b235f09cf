using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Testing;

/// <summary>
/// A real registry for tests: Debian's <c>docker-registry</c> (distribution 2.8) serving on 127.0.0.1 and a free
/// port, with filesystem storage in a folder of its own under <see cref="TestPaths.Root"/>. Anonymous by default;
/// with users it asks for HTTP Basic (an htpasswd file made with <c>htpasswd -B</c>); with a
/// <see cref="TokenServer"/> it asks for tokens from it. Dispose kills it and removes its folder.
/// </summary>
public sealed class LocalRegistry : IDisposable
{
    /// <summary>Where Debian's docker-registry installs its binary.</summary>
    public const string BinaryPath = "/usr/bin/docker-registry";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;

    private LocalRegistry(string directory, int port, Process process)
    {
        Directory = directory;
        Port = port;
        _process = process;
    }

    /// <summary>The registry's folder: config.yml, its log, its storage.</summary>
    public string Directory { get; }

    /// <summary>The port it serves on.</summary>
    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>, the registry part of references to it.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>The registry's log (requests and errors), for failure messages.</summary>
    public string LogPath => Path.Combine(Directory, "registry.log");

    /// <summary>
    /// Starts a registry and waits until it answers. <paramref name="users"/> (user name to password) turns on
    /// HTTP Basic authentication; <paramref name="tokens"/> turns on token authentication against that server.
    /// </summary>
    /// <exception cref="InvalidOperationException">docker-registry or htpasswd (apache2-utils) is missing, or the registry did not start (its log is in the message).</exception>
    public static LocalRegistry Start(IReadOnlyDictionary<string, string>? users = null, TokenServer? tokens = null)
    {
        if (!File.Exists(BinaryPath))
            throw new InvalidOperationException($"{BinaryPath} is missing: install docker-registry (apt-get install docker-registry; ./test.sh does it)");
        var directory = TestPaths.NewDirectory("registry");
        try
        {
            string? auth = null;
            if (users is not null)
            {
                var htpasswd = Path.Combine(directory, "htpasswd");
                File.WriteAllText(htpasswd, string.Concat(users.Select(u => Tool.Run("htpasswd", "-Bbn", u.Key, u.Value).TrimEnd() + "\n")));
                auth = $"auth:\n  htpasswd:\n    realm: berth-test-registry\n    path: {htpasswd}\n";
            }
            else if (tokens is not null)
            {
                auth = $"auth:\n  token:\n    realm: {tokens.Realm}\n    service: {tokens.Service}\n    issuer: {tokens.Issuer}\n    rootcertbundle: {tokens.RootCertBundlePath}\n";
            }
            // A port taken between finding it free and the registry binding it fails the start; another is tried.
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                var config = Path.Combine(directory, "config.yml");
                File.WriteAllText(config,
                    "version: 0.1\n" +
                    "log:\n  level: info\n" +
                    $"storage:\n  filesystem:\n    rootdirectory: {Path.Combine(directory, "data")}\n  delete:\n    enabled: true\n" +
                    "  maintenance:\n    uploadpurging:\n      enabled: false\n" +
                    $"http:\n  addr: 127.0.0.1:{port}\n  secret: {RandomNumberGenerator.GetHexString(32)}\n" +
                    (auth ?? ""));
                var process = Process.Start(new ProcessStartInfo("/bin/sh")
                {
                    // exec: the process is the registry itself, so that killing it leaves nothing behind.
                    ArgumentList = { "-c", $"exec {BinaryPath} serve \"$0\" >\"$1\" 2>&1", config, Path.Combine(directory, "registry.log") },
                    UseShellExecute = false,
                }) ?? throw new InvalidOperationException($"cannot start {BinaryPath}");
                var registry = new LocalRegistry(directory, port, process);
                if (registry.WaitUntilServing()) return registry;
                var log = registry.ReadLog();
                registry.Stop();
                if (attempt < 3 && log.Contains("address already in use", StringComparison.Ordinal)) continue;
                throw new InvalidOperationException($"docker-registry did not start on 127.0.0.1:{port} within {StartTimeout.TotalSeconds} s; its log:\n{log}");
            }
        }
        catch
        {
            TestPaths.DeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>The registry's log so far.</summary>
    public string ReadLog()
    {
        try
        {
            return File.ReadAllText(LogPath);
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>Kills the registry and removes its folder.</summary>
    public void Dispose()
    {
        Stop();
        TestPaths.DeleteDirectory(Directory);
    }

    private void Stop()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // It had already exited and been reaped.
        }
        _process.Dispose();
    }

    /// <summary>Polls <c>/v2/</c> until the registry answers anything (200, or 401 when it asks for credentials).</summary>
    private bool WaitUntilServing()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) return false;
            try
            {
                using var response = client.GetAsync(new Uri($"http://{Host}/v2/")).GetAwaiter().GetResult();
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Thread.Sleep(20);
            }
        }
        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
