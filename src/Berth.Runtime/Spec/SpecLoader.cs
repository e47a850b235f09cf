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
        return SpecReader.ReadSpec(json.ToArray(), what);
    }

    /// <summary>Reads and validates the config of <paramref name="bundle"/>; returns it with the absolute rootfs path.</summary>
    public static (RuntimeSpec Spec, string Rootfs) Load(string bundle, bool requireProcess = true)
    {
        var spec = Read(Path.Combine(bundle, "config.json"));
        var rootfs = SpecValidator.Validate(spec, bundle, requireProcess);
        return (spec, rootfs);
    }
}
