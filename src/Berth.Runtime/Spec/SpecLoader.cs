using System.Text.Json;

namespace Berth.Runtime.Spec;

/// <summary>Reads and validates a bundle's <c>config.json</c>.</summary>
public static class SpecLoader
{
    /// <summary>Reads <c>BUNDLE/config.json</c> without validating it.</summary>
    /// <exception cref="RuntimeException">Missing file or malformed JSON (with line and position).</exception>
    public static RuntimeSpec Read(string configPath)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(configPath); }
        catch (FileNotFoundException) { throw new RuntimeException($"{configPath}: no such file (is --bundle right?)"); }
        catch (DirectoryNotFoundException) { throw new RuntimeException($"{configPath}: no such file (is --bundle right?)"); }
        catch (UnauthorizedAccessException e) { throw new RuntimeException($"{configPath}: {e.Message}"); }
        return Parse(bytes, configPath);
    }

    /// <summary>Parses config.json text; <paramref name="what"/> names it in errors.</summary>
    public static RuntimeSpec Parse(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, SpecJsonContext.Default.RuntimeSpec)
                ?? throw new RuntimeException($"{what}: empty document");
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } l ? $" at line {l + 1}, position {e.BytePositionInLine + 1}" : "";
            throw new RuntimeException($"{what}: invalid JSON{where}: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>Reads and validates the config of <paramref name="bundle"/>; returns it with the absolute rootfs path.</summary>
    public static (RuntimeSpec Spec, string Rootfs) Load(string bundle, bool requireProcess = true)
    {
        var spec = Read(Path.Combine(bundle, "config.json"));
        var rootfs = SpecValidator.Validate(spec, bundle, requireProcess);
        return (spec, rootfs);
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n');
        var line = i < 0 ? s : s[..i];
        // System.Text.Json appends "Path: $.x | LineNumber: … " — keep the path, drop the duplicate position.
        var bar = line.IndexOf(" | LineNumber", StringComparison.Ordinal);
        return bar < 0 ? line : line[..bar];
    }
}
