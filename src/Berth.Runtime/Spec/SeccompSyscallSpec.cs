namespace Berth.Runtime.Spec;

/// <summary>A seccomp rule for a set of syscall names.</summary>
public sealed class SeccompSyscallSpec
{
    public List<string> Names { get; set; } = new();
    public string Action { get; set; } = "";
    public uint? ErrnoRet { get; set; }
    public List<SeccompArgSpec>? Args { get; set; }
}
