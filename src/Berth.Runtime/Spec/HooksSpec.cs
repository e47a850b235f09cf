namespace Berth.Runtime.Spec;

/// <summary>Lifecycle hooks, run at the points the runtime spec names.</summary>
public sealed class HooksSpec
{
    public List<HookSpec>? Prestart { get; set; }
    public List<HookSpec>? CreateRuntime { get; set; }
    public List<HookSpec>? CreateContainer { get; set; }
    public List<HookSpec>? StartContainer { get; set; }
    public List<HookSpec>? Poststart { get; set; }
    public List<HookSpec>? Poststop { get; set; }
}
