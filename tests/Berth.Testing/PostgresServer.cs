using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Npgsql;

namespace Berth.Testing;

/// <summary>
/// A real PostgreSQL server for tests, reached over TCP on 127.0.0.1 as user <c>postgres</c> without a password.
/// <see cref="Shared"/> is the one server of the test process: the cluster test.sh started for the whole run
/// (<c>BERTH_TEST_POSTGRES</c>), or else a throwaway cluster of the process's own, so that a plain
/// <c>dotnet test</c> works too. <see cref="StartPrivate"/> makes a cluster that only its caller uses, and that it
/// may <see cref="Stop"/> and <see cref="Start"/> again to simulate an outage.
/// </summary>
/// <remarks>
/// Clusters made here live in a folder under <see cref="TestPaths.Root"/> (data/, postgres.log and the unix socket),
/// owned by the postgres user: PostgreSQL refuses to run as root, so when the test process is root, initdb and
/// pg_ctl run through <c>runuser -u postgres</c>. They trust every local connection and run with fsync,
/// synchronous_commit and full_page_writes off: fast, and worthless after a crash, which is all tests need.
/// Tests own their data: create a <see cref="TestDatabase"/> rather than writing to database postgres.
/// </remarks>
public sealed partial class PostgresServer : IDisposable
{
    /// <summary>The variable test.sh sets to its cluster's Npgsql connection string (no database).</summary>
    public const string ConnectionStringVariable = "BERTH_TEST_POSTGRES";

    /// <summary>The variable that names PostgreSQL's bin folder; the newest /usr/lib/postgresql/*/bin when unset.</summary>
    public const string BinDirectoryVariable = "BERTH_PG_BINDIR";

    private static readonly string[] Settings =
        ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=300"];

    private static readonly Lazy<PostgresServer> SharedServer = new(CreateShared, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string? _binDirectory;
    private readonly string? _directory;
    private readonly bool _shared;
    private readonly Lock _gate = new();
    private bool _running;

    private PostgresServer(string connectionString, int port, string? binDirectory, string? directory, bool shared)
    {
        ConnectionString = connectionString;
        Port = port;
        _binDirectory = binDirectory;
        _directory = directory;
        _shared = shared;
    }

    /// <summary>
    /// The test process's server, made on first use (thread-safe): test.sh's cluster when
    /// <c>BERTH_TEST_POSTGRES</c> is set, else a cluster started for this process and stopped and removed when it
    /// exits. Never dispose it; <see cref="Stop"/> and <see cref="Start"/> are for private servers only.
    /// </summary>
    /// <exception cref="InvalidOperationException">No server could be had (the reason is in the message; every later use throws the same).</exception>
    public static PostgresServer Shared => SharedServer.Value;

    /// <summary>The port it listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>An Npgsql connection string to database <c>postgres</c>.</summary>
    public string ConnectionString { get; }

    /// <summary>The cluster's data directory, or null for the cluster of test.sh.</summary>
    public string? DataDirectory => _directory is null ? null : Path.Combine(_directory, "data");

    /// <summary>The cluster's server log, or null for the cluster of test.sh.</summary>
    public string? LogPath => _directory is null ? null : Path.Combine(_directory, "postgres.log");

    /// <summary>True once <see cref="Dispose"/> removed the cluster.</summary>
    internal bool IsDisposed { get; private set; }

    /// <summary>
    /// Makes and starts a cluster of the caller's own on a free port. The caller owns it: <see cref="Dispose"/> stops
    /// it and removes its folder.
    /// </summary>
    /// <exception cref="InvalidOperationException">PostgreSQL is missing or did not start (what was run, its output and the end of the server log are in the message).</exception>
    public static PostgresServer StartPrivate() => StartOwn(shared: false);

    /// <summary>An Npgsql connection string to <paramref name="database"/> on this server.</summary>
    /// <param name="database">The database's name.</param>
    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database }.ConnectionString;

    /// <summary>
    /// Starts the cluster again after <see cref="Stop"/>: same port, same data. Does nothing when it runs.
    /// Returns once it accepts connections.
    /// </summary>
    /// <exception cref="InvalidOperationException">This is not a private server, or PostgreSQL did not start (details in the message).</exception>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    public void Start()
    {
        ThrowIfNotPrivate(nameof(Start));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            if (!_running) StartCluster();
        }
    }

    /// <summary>
    /// Stops the cluster (a fast shutdown: sessions are cut, as in an outage) and returns once it is down; its data
    /// and port stay for <see cref="Start"/>. Does nothing when it is stopped.
    /// </summary>
    /// <exception cref="InvalidOperationException">This is not a private server, or pg_ctl failed (details in the message).</exception>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    public void Stop()
    {
        ThrowIfNotPrivate(nameof(Stop));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            if (_running) StopCluster();
        }
    }

    /// <summary>The server log so far; empty for the cluster of test.sh, or when there is none yet.</summary>
    public string ReadLog()
    {
        if (LogPath is null) return "";
        try
        {
            return File.ReadAllText(LogPath);
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// Stops a private server and removes its folder. Does nothing for <see cref="Shared"/>, which lives as long as
    /// the process.
    /// </summary>
    /// <exception cref="InvalidOperationException">pg_ctl could not stop it (the folder is removed all the same).</exception>
    /// <exception cref="IOException">Its folder could not be removed.</exception>
    public void Dispose()
    {
        if (_shared || _directory is null) return;
        lock (_gate)
        {
            if (IsDisposed) return;
            IsDisposed = true;
            try
            {
                if (_running) StopCluster();
            }
            finally
            {
                TestPaths.DeleteDirectory(_directory);
            }
        }
    }

    /// <summary>The newest PostgreSQL's bin folder, or <c>BERTH_PG_BINDIR</c>, the way scripts/lib.sh's pg_bindir finds it.</summary>
    /// <exception cref="InvalidOperationException">PostgreSQL is not installed.</exception>
    internal static string FindBinDirectory()
    {
        var configured = Environment.GetEnvironmentVariable(BinDirectoryVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            if (!File.Exists(Path.Combine(configured, "pg_ctl")))
                throw new InvalidOperationException($"{BinDirectoryVariable}={configured} has no pg_ctl");
            return configured;
        }
        const string installRoot = "/usr/lib/postgresql";
        var newest = Directory.Exists(installRoot)
            ? Directory.GetDirectories(installRoot)
                .Where(d => File.Exists(Path.Combine(d, "bin", "pg_ctl")))
                .Select(d => (Bin: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Bin)
                .FirstOrDefault()
            : null;
        return newest ?? throw new InvalidOperationException(
            $"PostgreSQL is not installed (no {installRoot}/*/bin/pg_ctl): apt-get install postgresql (./test.sh does it)");
    }

    private static PostgresServer CreateShared()
    {
        var configured = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (string.IsNullOrEmpty(configured))
        {
            var own = StartOwn(shared: true);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => own.RemoveAtExit();
            return own;
        }
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(configured);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{ConnectionStringVariable} is not an Npgsql connection string ({e.Message}): {configured}", e);
        }
        if (string.IsNullOrEmpty(builder.Database)) builder.Database = "postgres";
        return new PostgresServer(builder.ConnectionString, builder.Port, binDirectory: null, directory: null, shared: true);
    }

    private static PostgresServer StartOwn(bool shared)
    {
        var binDirectory = FindBinDirectory();
        var directory = TestPaths.NewDirectory("pg");
        try
        {
            RequireReachableByPostgres(directory);
            // The postgres user writes here: data/ (initdb makes it), the log, and the socket.
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (Privileges.IsRoot) PostgresUser.Chown(directory);
            var data = Path.Combine(directory, "data");
            RunTool(binDirectory, "initdb", null, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
            // A port taken between finding it free and PostgreSQL binding it fails the start; another is tried.
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                var connectionString = new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1",
                    Port = port,
                    Username = "postgres",
                    Database = "postgres",
                }.ConnectionString;
                var server = new PostgresServer(connectionString, port, binDirectory, directory, shared);
                try
                {
                    lock (server._gate) server.StartCluster();
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3 && server.ReadLog().Contains("Address already in use", StringComparison.Ordinal))
                {
                    File.Delete(server.LogPath!);
                }
            }
        }
        catch
        {
            TestPaths.DeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>initdb and postgres need search permission on every folder above the cluster's.</summary>
    private static void RequireReachableByPostgres(string directory)
    {
        if (!Privileges.IsRoot) return;
        for (var parent = Path.GetDirectoryName(directory); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (!File.GetUnixFileMode(parent).HasFlag(UnixFileMode.OtherExecute))
                throw new InvalidOperationException(
                    $"the postgres user cannot reach {directory}: {parent} lacks search permission for others (mode {Convert.ToString((int)File.GetUnixFileMode(parent), 8)})");
        }
    }

    private void StartCluster()
    {
        var options = $"-c listen_addresses=127.0.0.1 -p {Port} -k '{_directory}' " + string.Join(' ', Settings.Select(s => "-c " + s));
        try
        {
            RunTool(_binDirectory!, "pg_ctl", LogPath, "-w", "-t", "60", "-D", DataDirectory!, "-l", LogPath!, "start", "-o", options);
        }
        catch
        {
            // A start that timed out may still come up later: leave nothing running.
            RunToolUnchecked(_binDirectory!, "pg_ctl", "-D", DataDirectory!, "-m", "immediate", "-w", "stop");
            throw;
        }
        _running = true;
    }

    private void StopCluster()
    {
        var (exitCode, output) = RunToolUnchecked(_binDirectory!, "pg_ctl", "-D", DataDirectory!, "-m", "fast", "-w", "-t", "60", "stop");
        // Exit 1 with "Is server running?" means it was not running: down is down.
        if (exitCode != 0 && !output.Contains("Is server running?", StringComparison.Ordinal))
            throw new InvalidOperationException($"pg_ctl -D {DataDirectory} stop exited {exitCode}: {output}\n{LogTail()}");
        _running = false;
    }

    private void RemoveAtExit()
    {
        try
        {
            lock (_gate)
            {
                if (_running) StopCluster();
                IsDisposed = true;
            }
            TestPaths.DeleteDirectory(_directory!);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or Win32Exception)
        {
            Console.Error.WriteLine($"PostgresServer: cleaning up {_directory} at exit failed: {e.Message}");
        }
    }

    private void ThrowIfNotPrivate(string operation)
    {
        if (_shared)
            throw new InvalidOperationException($"{operation} is for private servers (PostgresServer.StartPrivate()); the shared server serves every test");
    }

    private string LogTail()
    {
        var lines = ReadLog().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return $"--- the end of {LogPath} ---\n" + string.Join('\n', lines.TakeLast(30));
    }

    /// <summary>Runs one of PostgreSQL's programs (as the postgres user when root) and throws when it fails.</summary>
    private static void RunTool(string binDirectory, string tool, string? logPath, params string[] args)
    {
        var (exitCode, output) = RunToolUnchecked(binDirectory, tool, args);
        if (exitCode == 0) return;
        var message = $"{CommandLine(binDirectory, tool, args)} exited {exitCode}:\n{output}";
        if (logPath is not null)
        {
            string log;
            try
            {
                log = string.Join('\n', File.ReadAllLines(logPath).TakeLast(30));
            }
            catch (IOException)
            {
                log = "(no log)";
            }
            message += $"\n--- the end of {logPath} ---\n{log}";
        }
        throw new InvalidOperationException(message);
    }

    private static (int ExitCode, string Output) RunToolUnchecked(string binDirectory, string tool, params string[] args)
    {
        var program = Path.Combine(binDirectory, tool);
        var start = new ProcessStartInfo(Privileges.IsRoot ? Runuser : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // PostgreSQL's programs complain when they cannot read the current folder (one under /root, say).
            WorkingDirectory = "/",
        };
        if (Privileges.IsRoot)
        {
            foreach (var a in (string[])["-u", "postgres", "--", program]) start.ArgumentList.Add(a);
        }
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {CommandLine(binDirectory, tool, args)}");
        // Both pipes are drained at once: a program that fills one while the other is read would block forever.
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, (stderr.Result + stdout).TrimEnd());
    }

    private static string Runuser => File.Exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser";

    private static string CommandLine(string binDirectory, string tool, string[] args) =>
        (Privileges.IsRoot ? "runuser -u postgres -- " : "") + Path.Combine(binDirectory, tool) + " " +
        string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The postgres user's ids, from the system's user database.</summary>
    private static partial class PostgresUser
    {
        /// <summary>Gives <paramref name="path"/> to the postgres user and group.</summary>
        /// <exception cref="InvalidOperationException">There is no postgres user.</exception>
        /// <exception cref="Win32Exception">chown failed.</exception>
        public static void Chown(string path)
        {
            var entry = getpwnam("postgres");
            if (entry == IntPtr.Zero)
                throw new InvalidOperationException("there is no postgres user: apt-get install postgresql (./test.sh does it)");
            var passwd = Marshal.PtrToStructure<Passwd>(entry);
            if (chown(path, passwd.Uid, passwd.Gid) != 0)
                throw new Win32Exception(Marshal.GetLastPInvokeError(), $"chown {path} to postgres ({passwd.Uid}:{passwd.Gid})");
        }

        /// <summary>The head of glibc's <c>struct passwd</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        private struct Passwd
        {
            public IntPtr Name;
            public IntPtr Password;
            public uint Uid;
            public uint Gid;
        }

        [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
        private static partial IntPtr getpwnam(string name);

        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int chown(string path, uint owner, uint group);
    }
}
