namespace Berth.Runtime.Spec;

/// <summary>One hook: an absolute program path, its argv, environment and timeout in seconds.</summary>
public sealed class HookSpec
{
    public string Path { get; set; } = "";
    public List<string>? Args { get; set; }
    public List<string>? Env { get; set; }
    public int? Timeout { get; set; }
}
