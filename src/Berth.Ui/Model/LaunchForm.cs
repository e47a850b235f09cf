using System.Text;
using Berth.ControlPlane.Containers;

namespace Berth.Ui.Model;

/// <summary>
/// The launch form's fields as the user types them, checked before submit (<see cref="Validate"/>) and turned into
/// the control plane's request (<see cref="ToRequest"/>). The control plane checks everything again.
/// </summary>
public sealed class LaunchForm
{
    public static readonly string[] RestartPolicies = ["no", "on-failure", "always", "unless-stopped"];

    public static readonly string[] Networks = ["none", "team", "host"];

    public string? Image { get; set; }

    public string? Name { get; set; }

    public Guid? TeamId { get; set; }

    /// <summary>The command line: words split on blanks, with '…' and "…" quoting.</summary>
    public string Command { get; set; } = "";

    /// <summary>KEY=VALUE, one per line.</summary>
    public string Env { get; set; } = "";

    public int? MemoryMiB { get; set; }

    public double? Cpus { get; set; }

    public long? PidsLimit { get; set; }

    /// <summary>Mounts as the API takes them, one per line.</summary>
    public string Mounts { get; set; } = "";

    public string RestartPolicy { get; set; } = "no";

    public int? MaxRetries { get; set; }

    public int? TtlMinutes { get; set; }

    public string Network { get; set; } = "none";

    /// <summary>Published ports, [HOST-IP:]HOST-PORT:CONTAINER-PORT[/tcp|udp], one per line.</summary>
    public string Ports { get; set; } = "";

    /// <summary>
    /// The template the form was filled from (<see cref="LoadFrom"/>); sent with the launch, which then takes from the
    /// template only what the form does not show (health check, idle stop, user namespace, seccomp) and the numbers
    /// left empty.
    /// </summary>
    public Guid? TemplateId { get; set; }

    // The exact values loaded, kept while the rounded field still shows them, so that a load and save keeps them.
    private (long Bytes, int MiB)? _loadedMemory;
    private (int Seconds, int Minutes)? _loadedTtl;

    /// <summary>What is wrong with the fields, one message each; empty when the form may be sent.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Image)) errors.Add("Choose an image.");
        if (TeamId is null) errors.Add("Choose a team.");
        if (!string.IsNullOrEmpty(Name) && !IsName(Name)) errors.Add("A name has letters, digits, '.', '_' and '-', starts with a letter or digit, and is at most 63 characters.");
        if (!TrySplit(Command, out _)) errors.Add("The command has an unclosed quote.");
        foreach (var line in Lines(Env))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) errors.Add($"Environment line \"{line}\" is not KEY=VALUE.");
        }
        if (MemoryMiB is <= 0) errors.Add("Memory must be more than 0 MiB.");
        if (Cpus is { } c && (c <= 0 || double.IsNaN(c))) errors.Add("CPUs must be more than 0.");
        if (PidsLimit is <= 0) errors.Add("The process limit must be more than 0.");
        if (!RestartPolicies.Contains(RestartPolicy)) errors.Add($"Unknown restart policy \"{RestartPolicy}\".");
        if (MaxRetries is < 0) errors.Add("Retries cannot be negative.");
        if (MaxRetries is not null && RestartPolicy != "on-failure") errors.Add("Retries apply to the on-failure policy only.");
        if (TtlMinutes is <= 0) errors.Add("The time to live must be more than 0 minutes.");
        if (!Networks.Contains(Network)) errors.Add($"Unknown network \"{Network}\".");
        if (Lines(Ports).Length > 0 && Network != "team") errors.Add("Ports are published on the team network only.");
        return errors;
    }

    public CreateContainerRequest ToRequest()
    {
        var request = new CreateContainerRequest
        {
            Name = string.IsNullOrWhiteSpace(Name) ? null : Name.Trim(),
            Team = TeamId?.ToString(),
            TemplateId = TemplateId,
        };
        SaveTo(request);
        if (TemplateId is not null)
        {
            // With a template, a field left null takes the template's value: what the form shows empty is sent empty.
            request.Command ??= [];
            request.Env ??= new Dictionary<string, string>(StringComparer.Ordinal);
            request.Mounts ??= [];
            request.Ports ??= [];
            request.Network ??= "none";
        }
        return request;
    }

    /// <summary>
    /// Writes the form's definition fields into <paramref name="definition"/> (empty ones as null); the fields the
    /// form does not show are left as they are.
    /// </summary>
    public void SaveTo(ContainerDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        TrySplit(Command, out var command);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Lines(Env))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) env[line[..eq]] = line[(eq + 1)..];
        }
        definition.Image = Image?.Trim();
        definition.Command = command.Count > 0 ? command : null;
        definition.Env = env.Count > 0 ? env : null;
        definition.MemoryBytes = MemoryMiB is { } m ? (_loadedMemory is { } lm && lm.MiB == m ? lm.Bytes : m * 1048576L) : null;
        definition.Cpus = Cpus;
        definition.PidsLimit = PidsLimit;
        definition.Mounts = Lines(Mounts).ToList() is { Count: > 0 } mounts ? mounts : null;
        definition.RestartPolicy = RestartPolicy;
        definition.MaxRetries = MaxRetries;
        definition.TtlSeconds = TtlMinutes is { } t ? (_loadedTtl is { } lt && lt.Minutes == t ? lt.Seconds : t * 60) : null;
        definition.Network = Network == "none" ? null : Network;
        definition.Ports = Lines(Ports).ToList() is { Count: > 0 } ports ? ports : null;
    }

    /// <summary>
    /// Fills the definition fields from <paramref name="definition"/> (a template's). Memory is shown in whole MiB and
    /// the time to live in whole minutes, rounded up; while those fields are left as shown, <see cref="SaveTo"/> writes
    /// back the exact values.
    /// </summary>
    public void LoadFrom(ContainerDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Image = definition.Image;
        Command = JoinCommand(definition.Command ?? []);
        Env = string.Join('\n', (definition.Env ?? []).Select(e => $"{e.Key}={e.Value}"));
        _loadedMemory = definition.MemoryBytes is { } b ? (b, (int)Math.Max(1, (b + 1048575) / 1048576)) : null;
        MemoryMiB = _loadedMemory?.MiB;
        Cpus = definition.Cpus;
        PidsLimit = definition.PidsLimit;
        Mounts = string.Join('\n', definition.Mounts ?? []);
        RestartPolicy = definition.RestartPolicy ?? "no";
        MaxRetries = definition.MaxRetries;
        _loadedTtl = definition.TtlSeconds is { } s ? (s, Math.Max(1, (s + 59) / 60)) : null;
        TtlMinutes = _loadedTtl?.Minutes;
        Network = definition.Network ?? "none";
        Ports = string.Join('\n', definition.Ports ?? []);
    }

    /// <summary>Writes words as a command line that <see cref="TrySplit"/> reads back as the same words.</summary>
    public static string JoinCommand(IEnumerable<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        return string.Join(' ', words.Select(w =>
            w.Length > 0 && !w.Any(ch => char.IsWhiteSpace(ch) || ch is '\'' or '"') ? w : "'" + w.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'"));
    }

    private static string[] Lines(string text)
        => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether <paramref name="name"/> is a valid container, template, team or user name.</summary>
    public static bool IsName(string name)
        => name.Length <= 63 && char.IsAsciiLetterOrDigit(name[0]) && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-');

    /// <summary>Splits a command line into words: blanks separate, quotes group (no escapes inside single quotes).</summary>
    public static bool TrySplit(string line, out List<string> words)
    {
        ArgumentNullException.ThrowIfNull(line);
        words = [];
        var word = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        foreach (var ch in line)
        {
            if (quote != '\0')
            {
                if (ch == quote) quote = '\0';
                else word.Append(ch);
                continue;
            }
            if (ch is '\'' or '"')
            {
                quote = ch;
                inWord = true;
            }
            else if (char.IsWhiteSpace(ch))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else
            {
                word.Append(ch);
                inWord = true;
            }
        }
        if (quote != '\0') return false;
        if (inWord) words.Add(word.ToString());
        return true;
    }
}
