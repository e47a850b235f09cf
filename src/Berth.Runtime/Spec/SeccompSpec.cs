namespace Berth.Runtime.Spec;

/// <summary><c>linux.seccomp</c>.</summary>
public sealed class SeccompSpec
{
    public string DefaultAction { get; set; } = "";
    public uint? DefaultErrnoRet { get; set; }
    public List<string>? Architectures { get; set; }
    public List<string>? Flags { get; set; }
    public string? ListenerPath { get; set; }
    public string? ListenerMetadata { get; set; }
    public List<SeccompSyscallSpec>? Syscalls { get; set; }
}
