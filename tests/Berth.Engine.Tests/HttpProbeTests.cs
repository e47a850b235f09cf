using System.Net;
using System.Net.Sockets;
using Berth.Testing;

namespace Berth.Engine.Tests;

public sealed class HttpProbeTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    private int Probe(string name, int port, string path, TimeSpan? timeout = null)
        => _h.Engine.ProbeHttpAsync(name, port, path, timeout ?? Timeout).GetAwaiter().GetResult();

    [RequiresRootFact]
    public void ProbeHttp_BusyboxHttpd_Gives200ForAFileAnd404ForAMissingOne()
    {
        _h.Ok("run", "-d", "--name", "web", "busybox", "sh", "-c", "mkdir -p /www && echo hi > /www/index.html && exec httpd -f -p 8080 -h /www");
        EngineHarness.WaitUntil(() => _h.Engine.Top("web").Roots.Any(r => r.Command.StartsWith("httpd", StringComparison.Ordinal)), "httpd to run");

        int status = 0;
        // httpd binds its port just after it starts: wait for the first answer.
        EngineHarness.WaitUntil(() =>
        {
            try { status = Probe("web", 8080, "/index.html"); }
            catch (EngineException e) when (e.Message.Contains("refused", StringComparison.Ordinal)) { return false; }
            return true;
        }, "httpd to listen");
        var missing = Probe("web", 8080, "/missing.html");

        Assert.Equal(200, status);
        Assert.Equal(404, missing);
    }

    [RequiresRootFact]
    public void ProbeHttp_ClosedPort_SaysRefused()
    {
        _h.Ok("run", "-d", "--name", "quiet", "busybox", "sleep", "1000");

        var e = Assert.Throws<EngineException>(() => Probe("quiet", 8080, "/"));

        Assert.Contains("refused", e.Message);
        Assert.Contains("127.0.0.1:8080", e.Message);
    }

    [RequiresRootFact]
    public void ProbeHttp_ServerThatNeverAnswers_SaysTimedOut()
    {
        // nc accepts one connection and hands it to sleep, which never writes a byte.
        _h.Ok("run", "-d", "--name", "mute", "busybox", "nc", "-l", "-p", "8080", "-e", "sleep", "1000");
        EngineHarness.WaitUntil(() => _h.Engine.Top("mute").Roots.Count == 1, "nc to run");
        Thread.Sleep(200);

        var e = Assert.Throws<EngineException>(() => Probe("mute", 8080, "/", TimeSpan.FromMilliseconds(700)));

        Assert.Contains("timed out after 0.7 s", e.Message);
    }

    [RequiresRootFact]
    public void ProbeHttp_PortOpenOnlyOnTheHostsLoopback_IsNotReached()
    {
        _h.Ok("run", "-d", "--name", "isolated", "busybox", "sleep", "1000");
        using var host = new TcpListener(IPAddress.Loopback, 0);
        host.Start();
        var port = ((IPEndPoint)host.LocalEndpoint).Port;

        var e = Assert.Throws<EngineException>(() => Probe("isolated", port, "/"));

        Assert.Contains("refused", e.Message);
        Assert.False(host.Pending());
    }

    [RequiresRootFact]
    public void ProbeHttp_BadInput_IsRefusedBeforeConnecting()
    {
        _h.Ok("run", "-d", "--name", "checked", "busybox", "sleep", "1000");

        var port = Assert.Throws<EngineException>(() => Probe("checked", 0, "/"));
        var path = Assert.Throws<EngineException>(() => Probe("checked", 80, "/a b\r\nX: y"));
        _h.Ok("stop", "-t", "0", "checked");
        var stopped = Assert.Throws<EngineException>(() => Probe("checked", 80, "/"));

        Assert.Contains("not a TCP port", port.Message);
        Assert.Contains("must start with '/'", path.Message);
        Assert.Equal("container checked is not running", stopped.Message);
    }
}
