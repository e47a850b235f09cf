namespace Berth.Cli;

/// <summary>
/// A small runc-style flag parser: <c>--flag value</c>, <c>--flag=value</c>, single-dash long flags
/// (<c>-bundle</c>, as urfave/cli accepts), short aliases, repeatable flags, and <c>--</c> to end flags.
/// Unknown flags are errors naming the verb.
/// </summary>
public sealed class ArgParser
{
    private readonly string _verb;
    private readonly Dictionary<string, (string Name, bool TakesValue)> _flags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public ArgParser(string verb) => _verb = verb;

    /// <summary>Positional arguments in order.</summary>
    public List<string> Positional { get; } = [];

    /// <summary>Declares a flag that takes a value, under its names (without dashes).</summary>
    public ArgParser Value(params string[] names) => Declare(true, names);

    /// <summary>Declares a boolean flag.</summary>
    public ArgParser Bool(params string[] names) => Declare(false, names);

    private ArgParser Declare(bool takesValue, string[] names)
    {
        foreach (var n in names) _flags[n] = (names[0], takesValue);
        return this;
    }

    /// <summary>Parses <paramref name="args"/>; <paramref name="stopAtFirstPositional"/> keeps later flags as positionals (exec's command).</summary>
    /// <exception cref="UsageException">An unknown flag or a missing value.</exception>
    public ArgParser Parse(IReadOnlyList<string> args, bool stopAtFirstPositional = false)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--") { Positional.AddRange(args.Skip(i + 1)); break; }
            if (a is "--help" or "-h" && (!stopAtFirstPositional || Positional.Count == 0)) throw new HelpRequestedException(_verb);
            if (a.Length < 2 || a[0] != '-' || (stopAtFirstPositional && Positional.Count > 0))
            {
                Positional.Add(a);
                if (stopAtFirstPositional) { Positional.AddRange(args.Skip(i + 1)); break; }
                continue;
            }
            var body = a.TrimStart('-');
            string? inline = null;
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0) { inline = body[(eq + 1)..]; body = body[..eq]; }
            if (!_flags.TryGetValue(body, out var flag))
            {
                // Short boolean flags may be bundled: -dt.
                if (a[1] != '-' && body.Length > 1 && body.All(c => _flags.TryGetValue(c.ToString(), out var f) && !f.TakesValue))
                {
                    foreach (var c in body) Add(_flags[c.ToString()].Name, "true");
                    continue;
                }
                throw new UsageException($"{_verb}: unknown flag {a}");
            }
            if (flag.TakesValue)
            {
                if (inline is null)
                {
                    if (i + 1 >= args.Count) throw new UsageException($"{_verb}: flag {a} needs a value");
                    inline = args[++i];
                }
                Add(flag.Name, inline);
            }
            else
            {
                if (inline is not null && inline is not ("true" or "false"))
                    throw new UsageException($"{_verb}: flag {a} takes no value");
                Add(flag.Name, inline ?? "true");
            }
        }
        return this;
    }

    private void Add(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list)) _values[name] = list = [];
        list.Add(value);
    }

    /// <summary>The last value of a flag, or null.</summary>
    public string? Get(string name) => _values.TryGetValue(name, out var l) ? l[^1] : null;

    /// <summary>All values of a repeatable flag.</summary>
    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var l) ? l : [];

    /// <summary>Whether a boolean flag is set.</summary>
    public bool Has(string name) => Get(name) == "true";

    /// <summary>The single container id positional, or a usage error.</summary>
    public string Id(int extraAllowed = 0)
    {
        if (Positional.Count == 0) throw new UsageException($"{_verb}: container id is required");
        if (Positional.Count > 1 + extraAllowed) throw new UsageException($"{_verb}: unexpected argument \"{Positional[1 + extraAllowed]}\"");
        return Positional[0];
    }

    /// <summary>Fails when positionals are given to a verb that takes none.</summary>
    public void NoPositional()
    {
        if (Positional.Count > 0) throw new UsageException($"{_verb}: unexpected argument \"{Positional[0]}\"");
    }
}
