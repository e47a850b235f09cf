namespace Berth.Cli;

/// <summary>
/// Docker-style flags for the user verbs: <c>--name value</c>, <c>--name=value</c>, single-letter flags that
/// cluster (<c>-it</c>, <c>-dit</c>) or carry their value (<c>-e K=V</c>, <c>-eK=V</c>), repeatable flags, and
/// <c>--</c>. Parsing stops at the first positional when asked (a command for the container follows it).
/// </summary>
public sealed class DockerArgs
{
    private readonly string _verb;
    private readonly Dictionary<string, (string Canonical, bool TakesValue)> _flags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public DockerArgs(string verb) => _verb = verb;

    /// <summary>Positional arguments in order (with everything after the first one when parsing stopped there).</summary>
    public List<string> Positional { get; } = [];

    /// <summary>A boolean flag under its names: the first is the canonical (long) one.</summary>
    public DockerArgs Flag(params string[] names) => Declare(false, names);

    /// <summary>A flag that takes a value.</summary>
    public DockerArgs Option(params string[] names) => Declare(true, names);

    private DockerArgs Declare(bool takesValue, string[] names)
    {
        foreach (var n in names) _flags[n] = (names[0], takesValue);
        return this;
    }

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <exception cref="UsageException">An unknown flag, or a flag without its value.</exception>
    public DockerArgs Parse(IReadOnlyList<string> args, bool stopAtFirstPositional = false)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                Positional.AddRange(args.Skip(i + 1));
                break;
            }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var body = a[2..];
                string? inline = null;
                if (body.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0) (body, inline) = (body[..eq], body[(eq + 1)..]);
                var (name, takesValue) = Lookup(body, a);
                if (takesValue) Add(name, inline ?? Next(args, ref i, a));
                else Add(name, inline switch { null or "true" => "true", "false" => "false", _ => throw new UsageException($"{_verb}: {a}: expected true or false") });
                continue;
            }
            if (a.StartsWith('-') && a.Length > 1)
            {
                for (var j = 1; j < a.Length; j++)
                {
                    var (name, takesValue) = Lookup(a[j].ToString(), "-" + a[j]);
                    if (!takesValue)
                    {
                        Add(name, "true");
                        continue;
                    }
                    Add(name, j + 1 < a.Length ? a[(j + 1)..].TrimStart('=') : Next(args, ref i, "-" + a[j]));
                    break;
                }
                continue;
            }
            if (stopAtFirstPositional)
            {
                Positional.AddRange(args.Skip(i));
                break;
            }
            Positional.Add(a);
        }
        return this;
    }

    /// <summary>Whether a boolean flag is set.</summary>
    public bool Has(string name) => Get(name) == "true";

    /// <summary>The last value of a flag, or null.</summary>
    public string? Get(string name) => _values.TryGetValue(name, out var l) ? l[^1] : null;

    /// <summary>Every value of a repeatable flag.</summary>
    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var l) ? l : [];

    /// <summary>At least <paramref name="min"/> positionals, or a usage error naming <paramref name="what"/>.</summary>
    public void Require(int min, string what)
    {
        if (Positional.Count < min) throw new UsageException($"{_verb}: {what}");
    }

    private (string Name, bool TakesValue) Lookup(string name, string asTyped)
        => _flags.TryGetValue(name, out var f) ? f
            : name is "help" or "h" && !_flags.ContainsKey(name) ? throw new HelpRequestedException(_verb)
            : throw new UsageException($"{_verb}: unknown flag {asTyped}");

    private string Next(IReadOnlyList<string> args, ref int i, string flag)
        => i + 1 < args.Count ? args[++i] : throw new UsageException($"{_verb}: flag {flag} needs a value");

    private void Add(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list)) _values[name] = list = [];
        list.Add(value);
    }
}
