using System.Text.Json;
using Berth.Runtime;

namespace Berth.Cli;

/// <summary>The flags before the verb: <c>--root</c>, <c>--log</c>, <c>--log-format</c>, <c>--debug</c>, <c>--systemd-cgroup</c>.</summary>
public sealed class GlobalOptions
{
    public string Root { get; set; } = "/run/berth";
    public string? LogFile { get; set; }
    public string LogFormat { get; set; } = "text";
    public bool Debug { get; set; }
    public bool SystemdCgroup { get; set; }

    /// <summary>The engine's data root (<c>--data-root</c>, else $BERTH_DATA_ROOT, else /var/lib/berth).</summary>
    public string DataRoot { get; set; } = Environment.GetEnvironmentVariable("BERTH_DATA_ROOT") is { Length: > 0 } d ? d : Berth.Engine.EngineOptions.DefaultDataRoot;

    /// <summary>The engine over <see cref="DataRoot"/>, whose containers' runtime state is under <see cref="Root"/>.</summary>
    public Berth.Engine.ContainerEngine Engine() => new(new Berth.Engine.EngineOptions
    {
        DataRoot = DataRoot,
        RuntimeRoot = Root,
        CgroupParent = Environment.GetEnvironmentVariable("BERTH_CGROUP_PARENT") is { Length: > 0 } p ? p : null,
        RegistryConfig = Environment.GetEnvironmentVariable("BERTH_CONFIG") is { Length: > 0 } c ? c
            : Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? Path.Combine(home, ".docker", "config.json") : null,
        InsecureRegistries = (Environment.GetEnvironmentVariable("BERTH_INSECURE_REGISTRIES") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
    });

    /// <summary>The runtime over this root, logging warnings.</summary>
    public ContainerRuntime Runtime()
    {
        var rt = new ContainerRuntime(new RuntimeOptions
        {
            Root = Root,
            CgroupParent = Environment.GetEnvironmentVariable("BERTH_CGROUP_PARENT") is { Length: > 0 } p ? p : null,
        });
        rt.Log = (level, msg) => Log(level, msg);
        return rt;
    }

    /// <summary>Writes one line to stderr (errors and warnings) and to the --log file when set.</summary>
    public void Log(string level, string message)
    {
        if (level == "debug" && !Debug) return;
        if (level is "error" or "warning" or "debug") Console.Error.WriteLine($"berth: {(level == "error" ? "" : level + ": ")}{message}");
        if (LogFile is null) return;
        try
        {
            var time = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
            string line;
            if (LogFormat == "json")
            {
                using var ms = new MemoryStream();
                using (var w = new Utf8JsonWriter(ms))
                {
                    w.WriteStartObject();
                    w.WriteString("level", level);
                    w.WriteString("msg", message);
                    w.WriteString("time", time);
                    w.WriteEndObject();
                }
                line = System.Text.Encoding.UTF8.GetString(ms.ToArray());
            }
            else
            {
                line = $"time=\"{time}\" level={level} msg=\"{message.Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
            }
            File.AppendAllText(LogFile, line + "\n");
        }
        catch (IOException) { /* logging must never turn a result into a failure */ }
        catch (UnauthorizedAccessException) { }
    }
}
