using System.Globalization;

namespace Berth.Cgroups.V2;

/// <summary>Reads pressure stall information files (Documentation/accounting/psi.rst).</summary>
internal static class PressureReader
{
    internal static void Read(string dir, CgroupStats stats)
    {
        foreach (var resource in new[] { "cpu", "memory", "io" })
        {
            // PSI can be compiled out or disabled (psi=0): then the file is missing or reading fails with EOPNOTSUPP.
            if (CgroupFiles.TryRead(dir, resource + ".pressure") is { } text && Parse(text) is { } p)
            {
                stats.Pressure[resource] = p;
            }
        }
    }

    /// <summary>Parses <c>some avg10=0.00 avg60=0.00 avg300=0.00 total=0</c> and the matching <c>full</c> line.</summary>
    internal static PressureStat? Parse(string text)
    {
        (double A10, double A60, double A300, ulong Total)? some = null, full = null;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 5)
            {
                continue;
            }

            double a10 = 0, a60 = 0, a300 = 0;
            ulong total = 0;
            foreach (var kv in parts.Skip(1))
            {
                var eq = kv.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0)
                {
                    continue;
                }

                var value = kv.AsSpan(eq + 1);
                switch (kv[..eq])
                {
                    case "avg10": _ = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out a10); break;
                    case "avg60": _ = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out a60); break;
                    case "avg300": _ = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out a300); break;
                    case "total": _ = ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out total); break;
                }
            }

            if (parts[0] == "some")
            {
                some = (a10, a60, a300, total);
            }
            else if (parts[0] == "full")
            {
                full = (a10, a60, a300, total);
            }
        }

        if (some is null)
        {
            return null;
        }

        var s = some.Value;
        var f = full ?? default;
        return new PressureStat(s.A10, s.A60, s.A300, s.Total, f.A10, f.A60, f.A300, f.Total);
    }
}
