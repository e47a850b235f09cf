using System.Text.Json;
using Berth.Runtime;
using Berth.Runtime.Rootfs;
using Berth.Runtime.Security;
using Berth.Runtime.Spec;

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
            // Every type the validator takes except time, which it refuses.
            Array(w, "namespaces", SpecValidator.NamespaceTypes.Keys.Where(t => t != "time").Order(StringComparer.Ordinal));
            Array(w, "capabilities", Enumerable.Range(0, Math.Min(Capabilities.LastCap, Capabilities.KnownLast) + 1).Select(Capabilities.Name));
            w.WriteStartObject("cgroup");
            w.WriteBoolean("v1", true);
            w.WriteBoolean("v2", true);
            w.WriteBoolean("systemd", false);
            w.WriteBoolean("systemdUser", false);
            w.WriteEndObject();
            w.WriteStartObject("seccomp");
            w.WriteBoolean("enabled", true);
            Array(w, "actions", Seccomp.KnownActions);
            Array(w, "operators", Seccomp.KnownOperators);
            Array(w, "archs", Seccomp.SupportedArchitectures());
            Array(w, "knownFlags", Seccomp.KnownFlags);
            Array(w, "supportedFlags", Seccomp.KnownFlags);
            w.WriteEndObject();
            // features.md: "enabled" says the runtime supports the module, not that this host runs it; whether it
            // does (labels are refused where it does not) is in the annotations below.
            w.WriteStartObject("apparmor");
            w.WriteBoolean("enabled", true);
            w.WriteEndObject();
            w.WriteStartObject("selinux");
            w.WriteBoolean("enabled", true);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("annotations");
            w.WriteString("org.berth.version", RuntimeInfo.Version);
            w.WriteString("org.berth.apparmor.host", LsmLabels.AppArmorEnabled ? "enabled" : "disabled");
            w.WriteString("org.berth.selinux.host", LsmLabels.SelinuxEnabled ? "enabled" : "disabled");
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
