using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Berth.Testing;

/// <summary>
/// Runs the published <c>berth</c> binary for one test, always with the
/// test's own state folder (<c>--root /tmp/berth-tests/root-…</c>) so tests
/// never see each other's containers. <see cref="Dispose"/> force-deletes
/// every container still listed under that root, then removes the folder.
/// </summary>
/// <remarks>
/// The binary is <c>$BERTH_BINARY</c> when set (./test.sh sets it), else
/// <c>artifacts/bin/berth</c> in the repository that holds this test
/// assembly. Standard input is closed unless text is given for it.
/// </remarks>
public sealed class BerthCli : IDisposable
{
    /// <summary>How long <see cref="Run(string[])"/> waits for berth to exit.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    // A detached container (run -d) may inherit berth's stdout and stderr and
    // keep them open for its whole life. What berth wrote before it exited is
    // already in the pipe, so after its exit wait only this long for the
    // readers to drain it.
    private static readonly TimeSpan OutputGrace = TimeSpan.FromMilliseconds(300);

    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Uses the binary found by <see cref="LocateBinary"/> and a new state folder.</summary>
    /// <exception cref="InvalidOperationException">The binary is not there.</exception>
    public BerthCli()
        : this(LocateBinary())
    {
    }

    /// <summary>Uses <paramref name="binaryPath"/> and a new state folder.</summary>
    /// <param name="binaryPath">The berth binary to run.</param>
    public BerthCli(string binaryPath)
    {
        BinaryPath = binaryPath;
        Root = TestPaths.NewDirectory("root");
    }

    /// <summary>The berth binary this instance runs.</summary>
    public string BinaryPath { get; }

    /// <summary>The state folder passed as <c>--root</c> before every verb.</summary>
    public string Root { get; }

    /// <summary>
    /// Finds the berth binary: <c>$BERTH_BINARY</c>, else
    /// <c>artifacts/bin/berth</c> under the nearest folder above this
    /// assembly that holds <c>Web.sln</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No binary at the place looked at.</exception>
    public static string LocateBinary()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("BERTH_BINARY");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? fromEnvironment
                : throw new InvalidOperationException($"BERTH_BINARY={fromEnvironment} does not exist: publish berth first: ./test.sh does it");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Web.sln")))
            {
                var candidate = Path.Combine(dir.FullName, "artifacts", "bin", "berth");
                return File.Exists(candidate)
                    ? candidate
                    : throw new InvalidOperationException($"{candidate} does not exist: publish berth first: ./test.sh does it");
            }
        }

        throw new InvalidOperationException(
            $"no Web.sln above {AppContext.BaseDirectory} and BERTH_BINARY is not set: publish berth first: ./test.sh does it");
    }

    /// <summary>
    /// Runs <c>berth --root ROOT ARGS…</c> with <see cref="DefaultTimeout"/>
    /// and returns its exit code and output. A non-zero exit is returned,
    /// not thrown.
    /// </summary>
    /// <param name="args">The verb and its arguments.</param>
    /// <exception cref="TimeoutException">berth did not exit in time; its process tree was killed.</exception>
    public CliResult Run(params string[] args) => RunAsync(args).GetAwaiter().GetResult();

    /// <summary>
    /// Runs <c>berth --root ROOT ARGS…</c> and returns its exit code and
    /// output. A non-zero exit is returned, not thrown.
    /// </summary>
    /// <param name="args">The verb and its arguments.</param>
    /// <param name="timeout">How long to wait for berth to exit; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="stdin">Text written to berth's standard input, which is then closed; closed at once when null.</param>
    /// <param name="cancellationToken">Kills berth's process tree and throws when cancelled.</param>
    /// <exception cref="TimeoutException">berth did not exit in time; its process tree was killed.</exception>
    public Task<CliResult> RunAsync(
        IReadOnlyList<string> args,
        TimeSpan? timeout = null,
        string? stdin = null,
        CancellationToken cancellationToken = default) =>
        RunBinaryAsync(["--root", Root, .. args], timeout ?? DefaultTimeout, stdin, cancellationToken);

    /// <summary>
    /// Force-deletes every container listed under <see cref="Root"/>, then
    /// removes the folder.
    /// </summary>
    /// <exception cref="InvalidOperationException">A container could not be deleted.</exception>
    public void Dispose()
    {
        var failures = new List<string>();
        foreach (var id in ListContainerIds())
        {
            try
            {
                var result = RunAsync(["delete", "--force", id], CleanupTimeout).GetAwaiter().GetResult();
                if (!result.Succeeded)
                {
                    failures.Add($"delete --force {id}: {result}");
                }
            }
            catch (TimeoutException e)
            {
                failures.Add($"delete --force {id}: {e.Message}");
            }
        }

        TestPaths.DeleteDirectory(Root);
        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"cleanup of {Root} left containers behind:\n{string.Join('\n', failures)}");
        }
    }

    private List<string> ListContainerIds()
    {
        if (!Directory.Exists(Root) || !File.Exists(BinaryPath))
        {
            return [];
        }

        CliResult result;
        try
        {
            result = RunAsync(["list", "--format", "json"], CleanupTimeout).GetAwaiter().GetResult();
        }
        catch (TimeoutException)
        {
            return [];
        }

        if (!result.Succeeded || string.IsNullOrWhiteSpace(result.Stdout))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(result.Stdout);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            return document.RootElement.EnumerateArray()
                .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                .Select(e => e.GetProperty("id").GetString()!)
                .ToList();
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private async Task<CliResult> RunBinaryAsync(
        IReadOnlyList<string> arguments, TimeSpan timeout, string? stdin, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var commandLine = $"{BinaryPath} {string.Join(' ', arguments)}";
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"cannot start {commandLine}");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var readers = Task.WhenAll(
            PumpAsync(process.StandardOutput, stdout),
            PumpAsync(process.StandardError, stderr));

        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // berth exited or closed its stdin before reading it all; its
            // exit code and output tell the test what happened.
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException(
                $"{commandLine} did not exit within {timeout.TotalSeconds:0.#} s; killed its process tree.\n" +
                $"--- stdout ---\n{Snapshot(stdout)}\n--- stderr ---\n{Snapshot(stderr)}");
        }

        try
        {
            await readers.WaitAsync(OutputGrace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Another process (a detached container) still holds the pipes;
            // return what berth wrote before it exited.
        }

        return new CliResult(process.ExitCode, Snapshot(stdout), Snapshot(stderr));
    }

    // On a thread of its own: tests run in parallel and block pool threads while they wait, and a reader that
    // waited for a pool thread could miss the grace after berth's exit, so that a test saw its output empty.
    private static Task PumpAsync(StreamReader reader, StringBuilder sink) =>
        Task.Factory.StartNew(
            () =>
            {
                var buffer = new char[4096];
                int read;
                while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
                {
                    lock (sink)
                    {
                        sink.Append(buffer, 0, read);
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    private static string Snapshot(StringBuilder sink)
    {
        lock (sink)
        {
            return sink.ToString();
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
