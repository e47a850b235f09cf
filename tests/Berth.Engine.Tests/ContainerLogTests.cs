using System.Text;
using Berth.Testing;

namespace Berth.Engine.Tests;

public sealed class ContainerLogTests : IDisposable
{
    private readonly string _dir = TestPaths.NewDirectory("logs");

    public void Dispose() => TestPaths.DeleteDirectory(_dir);

    private string LogPath => Path.Combine(_dir, "container.log");

    [Fact]
    public void Write_SplitsLinesPerStreamAndKeepsPartialLinesUntilTheyEnd()
    {
        using (var log = new ContainerLogWriter(LogPath))
        {
            log.Write("stdout", "one\ntw"u8);
            log.Write("stderr", "err\n"u8);
            log.Write("stdout", "o\nthree"u8);
        }

        var lines = ContainerLogReader.Read(LogPath);

        Assert.Equal([("stdout", "one\n"), ("stderr", "err\n"), ("stdout", "two\n"), ("stdout", "three")], lines.Select(l => (l.Stream, l.Text)));
        Assert.Contains("{\"log\":\"one\\n\",\"stream\":\"stdout\",\"time\":\"", File.ReadAllText(LogPath));
    }

    [Fact]
    public void Write_PastMaxSize_RotatesKeepingMaxFilesAndReadsInOrder()
    {
        using (var log = new ContainerLogWriter(LogPath, maxSize: 1000, maxFiles: 3))
        {
            for (var i = 0; i < 100; i++) log.Write("stdout", Encoding.ASCII.GetBytes($"line {i:000}\n"));
        }

        var lines = ContainerLogReader.Read(LogPath);

        Assert.True(File.Exists(LogPath + ".1"));
        Assert.True(File.Exists(LogPath + ".2"));
        Assert.False(File.Exists(LogPath + ".3"));
        Assert.All(ContainerLogWriter.Files(LogPath), f => Assert.True(new FileInfo(f).Length < 1100));
        Assert.Equal("line 099\n", lines[^1].Text);
        var numbers = lines.Select(l => int.Parse(l.Text[5..8], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(numbers.Order(), numbers);
        Assert.True(numbers[0] > 0);
    }

    [Fact]
    public void Write_LineLongerThanTheLimit_IsCut()
    {
        using (var log = new ContainerLogWriter(LogPath))
            log.Write("stdout", Encoding.ASCII.GetBytes(new string('x', ContainerLogWriter.MaxLine + 10) + "\n"));

        var lines = ContainerLogReader.Read(LogPath);

        Assert.Equal([ContainerLogWriter.MaxLine, 11], lines.Select(l => l.Text.Length));
    }

    [Fact]
    public void Read_Tail_GivesTheLastLines()
    {
        using (var log = new ContainerLogWriter(LogPath))
            log.Write("stdout", "a\nb\nc\n"u8);

        Assert.Equal(["b\n", "c\n"], ContainerLogReader.Read(LogPath, tail: 2).Select(l => l.Text));
        Assert.Empty(ContainerLogReader.Read(LogPath, tail: 0));
    }

    [Fact]
    public async Task Follow_SeesNewLinesAcrossRotationUntilStopped()
    {
        var running = true;
        var seen = new List<string>();
        using var log = new ContainerLogWriter(LogPath, maxSize: 200, maxFiles: 2);
        log.Write("stdout", "before\n"u8);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var follower = Task.Run(async () =>
        {
            await foreach (var line in ContainerLogReader.FollowAsync(LogPath, null, () => Volatile.Read(ref running), cancel.Token))
                lock (seen) seen.Add(line.Text);
        });
        for (var i = 0; i < 10; i++)
        {
            log.Write("stdout", Encoding.ASCII.GetBytes($"after {i}\n"));
            await Task.Delay(60);
        }
        EngineHarness.WaitUntil(() => { lock (seen) return seen.Count >= 11; }, "the follower to see every line");
        Volatile.Write(ref running, false);
        await follower;

        Assert.Equal(["before\n", .. Enumerable.Range(0, 10).Select(i => $"after {i}\n")], seen);
    }

    [Theory]
    [InlineData("no", 1, 0, false, false)]
    [InlineData("always", 0, 5, false, true)]
    [InlineData("always", 1, 0, true, false)]
    [InlineData("unless-stopped", 0, 0, false, true)]
    [InlineData("on-failure", 0, 0, false, false)]
    [InlineData("on-failure", 1, 100, false, true)]
    [InlineData("on-failure:3", 1, 2, false, true)]
    [InlineData("on-failure:3", 1, 3, false, false)]
    public void RestartPolicy_ShouldRestart_FollowsDocker(string policy, int exitCode, int restarts, bool stopped, bool expected)
        => Assert.Equal(expected, RestartPolicy.Parse(policy).ShouldRestart(exitCode, restarts, stopped));

    [Theory]
    [InlineData("sometimes")]
    [InlineData("always:3")]
    [InlineData("on-failure:0")]
    [InlineData("on-failure:x")]
    public void RestartPolicy_Parse_RefusesWhatDockerRefuses(string policy)
        => Assert.Throws<EngineException>(() => RestartPolicy.Parse(policy));

    [Fact]
    public void EventLog_NumbersEventsAndReadsFromASequence()
    {
        var events = new EventLog(Path.Combine(_dir, "events.jsonl"));
        var first = events.Append(new EngineEvent { Type = "container", Action = "create", Subject = "a" });
        var second = events.Append(new EngineEvent { Type = "container", Action = "die", Subject = "a", ExitCode = 3 });
        File.AppendAllText(events.Path, "{\"sequence\":3,\"typ");

        var third = events.Append(new EngineEvent { Type = "image", Action = "pull", Subject = "busybox" });

        Assert.Equal((1, 2, 3), (first.Sequence, second.Sequence, third.Sequence));
        Assert.Equal(["die", "pull"], events.Read(after: 1).Select(e => e.Action));
        Assert.Equal(3, events.Read()[1].ExitCode);
    }
}
