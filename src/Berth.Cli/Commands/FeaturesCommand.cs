using System.Text.Json;
using Berth.Runtime;
using Berth.Runtime.Rootfs;
using Berth.Runtime.Security;

namespace Berth.Cli.Commands;

/// <summary><c>berth features</c>: what this runtime supports, in the runtime-spec's features document format.</summary>
public static class FeaturesCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        new ArgParser("features").Parse(args).NoPositional();
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("ociVersionMin", "1.0.0");
            w.WriteString("ociVersionMax", RuntimeInfo.OciVersion);
            Array(w, "hooks", ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]);
            Array(w, "mountOptions", MountOptions.KnownNames);
            w.WriteStartObject("linux");
            Array(w, "namespaces", ["cgroup", "ipc", "mount", "network", "pid", "user", "uts"]);
            Array(w, "capabilities", Enumerable.Range(0, Math.Min(Capabilities.LastCap, Capabilities.KnownLast) + 1).Select(Capabilities.Name));
            w.WriteStartObject("cgroup");
            w.WriteBoolean("v1", true);
            w.WriteBoolean("v2", true);
            w.WriteBoolean("systemd", false);
            w.WriteBoolean("systemdUser", false);
            w.WriteEndObject();
            w.WriteStartObject("seccomp");
            w.WriteBoolean("enabled", true);
            Array(w, "actions", ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"]);
            Array(w, "operators", ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"]);
            Array(w, "archs", ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"]);
            Array(w, "knownFlags", ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]);
            Array(w, "supportedFlags", ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]);
            w.WriteEndObject();
            w.WriteStartObject("apparmor");
            w.WriteBoolean("enabled", false);
            w.WriteEndObject();
            w.WriteStartObject("selinux");
            w.WriteBoolean("enabled", false);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("annotations");
            w.WriteString("org.berth.version", RuntimeInfo.Version);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
        return 0;
    }

    private static void Array(Utf8JsonWriter w, string name, IEnumerable<string> items)
    {
        w.WriteStartArray(name);
        foreach (var i in items) w.WriteStringValue(i);
        w.WriteEndArray();
    }
}
