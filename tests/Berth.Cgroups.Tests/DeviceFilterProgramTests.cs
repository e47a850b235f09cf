using Berth.Cgroups.V2;

namespace Berth.Cgroups.Tests;

/// <summary>
/// The meaning of the programs DeviceFilter generates, for far more rule lists and requests than the kernel tests
/// can probe: a small interpreter of the instructions it emits runs each program against the rule model berth
/// documents (per access, the last matching rule that names it decides; nothing decided is refused), and checks what
/// the kernel's verifier would refuse outright (a jump out of the program, an instruction no path reaches).
/// DeviceFilterKernelTests loads the same shapes into the real verifier and attaches some.
/// </summary>
public sealed class DeviceFilterProgramTests
{
    private const int Mknod = 1, Read = 2, Write = 4;

    [Fact]
    public void Compile_RandomRuleLists_ProgramDecidesAsRuleModel()
    {
        var random = new Random(20);
        for (var i = 0; i < 2000; i++)
        {
            var rules = RandomRules(random);
            var program = DeviceFilter.Compile(rules);
            AssertEveryInstructionReachable(program);
            foreach (var type in "bc")
            {
                foreach (var major in (long[])[1, 2, 7])
                {
                    foreach (var minor in (long[])[3, 4, 9])
                    {
                        for (var access = 1; access <= 7; access++)
                        {
                            var expected = Model(rules, type, major, minor, access);
                            var actual = Run(program, type == 'b' ? 1 : 2, access, (uint)major, (uint)minor);
                            Assert.True(expected == actual,
                                $"rules [{string.Join("; ", rules)}], {type} {major}:{minor} access {access}: model {expected}, program {actual}");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Compile_NoRules_RefusesEverything()
    {
        var program = DeviceFilter.Compile([]);

        Assert.False(Run(program, 2, Read, 1, 3));
        Assert.False(Run(program, 1, Mknod, 7, 0));
    }

    /// <summary>Up to six rules over a few devices, wildcards and access sets.</summary>
    internal static List<DeviceRule> RandomRules(Random random)
    {
        var rules = new List<DeviceRule>();
        for (var n = random.Next(7); n > 0; n--)
        {
            var access = string.Concat("mrw".Where((_, i) => random.Next(2) == 0));
            rules.Add(new DeviceRule(
                random.Next(2) == 0,
                "abc"[random.Next(3)],
                random.Next(3) switch { 0 => null, 1 => 1, _ => 2 },
                random.Next(3) switch { 0 => null, 1 => 3, _ => 4 },
                access.Length == 0 ? "rwm" : access));
        }

        return rules;
    }

    /// <summary>The documented semantics, written plainly.</summary>
    private static bool Model(List<DeviceRule> rules, char type, long major, long minor, int access)
    {
        foreach (var (bit, letter) in new[] { (Mknod, 'm'), (Read, 'r'), (Write, 'w') })
        {
            if ((access & bit) == 0)
            {
                continue;
            }

            var last = rules.LastOrDefault(r => r.Access.Contains(letter, StringComparison.Ordinal)
                && (r.Type == 'a' || r.Type == type) && (r.Major ?? major) == major && (r.Minor ?? minor) == minor);
            if (last is null || !last.Allow)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Interprets the instructions DeviceFilter emits on <c>struct bpf_cgroup_dev_ctx</c>; true when it returns 1.</summary>
    private static bool Run(ulong[] program, int deviceType, int access, uint major, uint minor)
    {
        uint[] ctx = [(uint)(access << 16 | deviceType), major, minor];
        var r = new ulong[11];
        for (var pc = 0; pc < program.Length; pc++)
        {
            var (op, dst, src, off, imm) = Decode(program[pc]);
            switch (op)
            {
                case 0x61: r[dst] = ctx[off / 4]; break;                               // ldxw dst, [r1 + off]
                case 0x54: r[dst] = (uint)r[dst] & (uint)imm; break;                   // and32 dst, imm
                case 0x74: r[dst] = (uint)r[dst] >> imm; break;                        // rsh32 dst, imm
                case 0xbc: r[dst] = (uint)r[src]; break;                               // mov32 dst, src
                case 0xb7: r[dst] = (ulong)(long)imm; break;                           // mov64 dst, imm
                case 0x55: if (r[dst] != (ulong)(long)imm) pc += off; break;           // jne dst, imm
                case 0x15: if (r[dst] == (ulong)(long)imm) pc += off; break;           // jeq dst, imm
                case 0x05: pc += off; break;                                           // ja
                case 0x95: return r[0] == 1;                                           // exit
                default: throw new InvalidOperationException($"opcode 0x{op:x2} at {pc} is not one DeviceFilter emits");
            }
        }

        throw new InvalidOperationException("the program ran off its end");
    }

    /// <summary>The verifier refuses jumps out of the program and unreachable instructions: check both.</summary>
    private static void AssertEveryInstructionReachable(ulong[] program)
    {
        var reached = new bool[program.Length];
        var pending = new Stack<int>([0]);
        while (pending.TryPop(out var pc))
        {
            Assert.InRange(pc, 0, program.Length - 1);
            if (reached[pc])
            {
                continue;
            }

            reached[pc] = true;
            var (op, _, _, off, _) = Decode(program[pc]);
            if (op == 0x95)
            {
                continue;
            }

            if (op is 0x55 or 0x15 or 0x05)
            {
                pending.Push(pc + 1 + off);
            }

            if (op != 0x05)
            {
                pending.Push(pc + 1);
            }
        }

        Assert.All(reached, Assert.True);
    }

    private static (byte Op, int Dst, int Src, short Off, int Imm) Decode(ulong insn) =>
        ((byte)insn, (int)(insn >> 8) & 0xf, (int)(insn >> 12) & 0xf, (short)(insn >> 16), (int)(insn >> 32));
}
