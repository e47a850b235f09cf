using Berth.Linux;
using Microsoft.Win32.SafeHandles;

namespace Berth.Cgroups.V2;

/// <summary>
/// The device controller of cgroup v2: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup
/// (Documentation/admin-guide/cgroup-v2.rst, "Device controller"), replacing v1's devices.allow and devices.deny.
/// The program sees <c>struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }</c>, access_type being
/// <c>(BPF_DEVCG_ACC_* &lt;&lt; 16) | BPF_DEVCG_DEV_*</c>, and returns 1 to allow, 0 to refuse (EPERM).
/// </summary>
internal static class DeviceFilter
{
    private const int AccMknod = 1, AccRead = 2, AccWrite = 4;
    private const int DevBlock = 1, DevChar = 2;

    // Opcodes (include/uapi/linux/bpf.h, bpf_common.h).
    private const byte LdxMemW = 0x61;   // BPF_LDX | BPF_MEM | BPF_W
    private const byte And32Imm = 0x54;  // BPF_ALU | BPF_AND | BPF_K
    private const byte Rsh32Imm = 0x74;  // BPF_ALU | BPF_RSH | BPF_K
    private const byte Mov32Reg = 0xbc;  // BPF_ALU | BPF_MOV | BPF_X
    private const byte Mov64Imm = 0xb7;  // BPF_ALU64 | BPF_MOV | BPF_K
    private const byte JneImm = 0x55;    // BPF_JMP | BPF_JNE | BPF_K
    private const byte JeqImm = 0x15;    // BPF_JMP | BPF_JEQ | BPF_K
    private const byte Ja = 0x05;        // BPF_JMP | BPF_JA
    private const byte Exit = 0x95;      // BPF_JMP | BPF_EXIT

    /// <summary>
    /// The program for <paramref name="rules"/> in OCI order. Each access asked for (m, r, w) is decided on its own
    /// by the last rule that matches the device and names that access, and the request is allowed only when every
    /// access it asks for is: rules for one device add up as v1's exception list does (<c>r</c> then <c>w</c> allows
    /// <c>rw</c>), and a later rule overrides an earlier one, wildcards included (<c>c *:* rwm</c> then a deny of
    /// <c>c 1:5</c> refuses 1:5). An access no rule decides is refused, as runc's filter does (its device emulator
    /// starts from "deny all"), whether or not the rules begin with a deny-all. A missing major or minor, and type
    /// <c>a</c>, match every device. Ancestors' programs still apply on top.
    /// </summary>
    internal static ulong[] Compile(IReadOnlyList<DeviceRule> rules)
    {
        var program = new List<ulong>
        {
            Insn(LdxMemW, 2, 1, 0, 0),       // r2 = ctx->access_type
            Insn(And32Imm, 2, 0, 0, 0xffff), // r2 = device type
            Insn(LdxMemW, 3, 1, 0, 0),
            Insn(Rsh32Imm, 3, 0, 0, 16),     // r3 = access asked for
            Insn(LdxMemW, 4, 1, 4, 0),       // r4 = major
            Insn(LdxMemW, 5, 1, 8, 0),       // r5 = minor
        };

        // One section per access bit; each ends by jumping to the next section (allowed, or not asked for) or by
        // returning 0. Jumps to the next section are patched once its start is known.
        foreach (var bit in (int[])[AccMknod, AccRead, AccWrite])
        {
            var toNextSection = new List<int>();
            program.Add(Insn(Mov32Reg, 1, 3, 0, 0));
            program.Add(Insn(And32Imm, 1, 0, 0, bit));
            toNextSection.Add(program.Count);
            program.Add(Insn(JeqImm, 1, 0, 0, 0));   // not asked for
            var decided = false;
            for (var i = rules.Count - 1; i >= 0 && !decided; i--)
            {
                var rule = rules[i];
                if ((Access(rule.Access) & bit) == 0)
                {
                    continue;
                }

                var toNextRule = new List<int>();
                if (rule.Type != 'a')
                {
                    toNextRule.Add(program.Count);
                    program.Add(Insn(JneImm, 2, 0, 0, rule.Type == 'b' ? DevBlock : DevChar));
                }

                if (rule.Major is { } major)
                {
                    toNextRule.Add(program.Count);
                    program.Add(Insn(JneImm, 4, 0, 0, checked((int)major)));
                }

                if (rule.Minor is { } minor)
                {
                    toNextRule.Add(program.Count);
                    program.Add(Insn(JneImm, 5, 0, 0, checked((int)minor)));
                }

                if (rule.Allow)
                {
                    toNextSection.Add(program.Count);
                    program.Add(Insn(Ja, 0, 0, 0, 0));
                }
                else
                {
                    program.Add(Insn(Mov64Imm, 0, 0, 0, 0));
                    program.Add(Insn(Exit, 0, 0, 0, 0));
                }

                Patch(program, toNextRule);
                // A rule that matches every device decides this access alone: the rules before it never do (and
                // the verifier refuses unreachable instructions).
                decided = toNextRule.Count == 0;
            }

            if (!decided)
            {
                program.Add(Insn(Mov64Imm, 0, 0, 0, 0));
                program.Add(Insn(Exit, 0, 0, 0, 0));
            }

            Patch(program, toNextSection);
        }

        program.Add(Insn(Mov64Imm, 0, 0, 0, 1));
        program.Add(Insn(Exit, 0, 0, 0, 0));
        return [.. program];
    }

    /// <summary>Points the jumps at <paramref name="jumps"/> to the instruction that comes next.</summary>
    private static void Patch(List<ulong> program, List<int> jumps)
    {
        foreach (var at in jumps)
        {
            program[at] = WithOffset(program[at], checked((short)(program.Count - at - 1)));
        }
    }

    /// <summary>
    /// Loads the program for <paramref name="rules"/> and makes it the one device program of the cgroup at
    /// <paramref name="dir"/>: attached first, then the programs attached before are detached, so no moment allows
    /// more than both. Throws <see cref="CgroupException"/>.
    /// </summary>
    internal static void Apply(string dir, IReadOnlyList<DeviceRule> rules)
    {
        try
        {
            using var cgroup = Fd.Open(dir, Fd.O_RDONLY | Fd.O_DIRECTORY);
            var before = Bpf.QueryAttached(cgroup, Bpf.BPF_CGROUP_DEVICE);
            using (var program = Bpf.LoadProgram(Bpf.BPF_PROG_TYPE_CGROUP_DEVICE, Compile(rules), "Apache-2.0"))
            {
                Bpf.Attach(cgroup, program, Bpf.BPF_CGROUP_DEVICE, Bpf.BPF_F_ALLOW_MULTI);
            }

            foreach (var id in before)
            {
                using SafeFileHandle old = Bpf.ProgramById(id);
                Bpf.Detach(cgroup, old, Bpf.BPF_CGROUP_DEVICE);
            }
        }
        catch (LinuxException e)
        {
            throw new CgroupException($"device rules for {dir}: {e.Message} (the eBPF device controller needs CONFIG_CGROUP_BPF)", e);
        }
    }

    private static int Access(string letters)
    {
        var bits = 0;
        foreach (var c in letters)
        {
            bits |= c switch { 'm' => AccMknod, 'r' => AccRead, 'w' => AccWrite, _ => 0 };
        }

        return bits;
    }

    private static ulong Insn(byte opcode, int dst, int src, short offset, int imm) =>
        opcode | ((ulong)(byte)(dst | (src << 4)) << 8) | ((ulong)(ushort)offset << 16) | ((ulong)(uint)imm << 32);

    private static ulong WithOffset(ulong insn, short offset) =>
        (insn & ~(0xffffUL << 16)) | ((ulong)(ushort)offset << 16);
}
