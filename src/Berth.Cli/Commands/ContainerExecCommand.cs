using Berth.Engine;
using Berth.Linux;

namespace Berth.Cli.Commands;

/// <summary><c>berth exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND [ARG…]</c> in a running engine container.</summary>
public static class ContainerExecCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new DockerArgs("exec").Flag("interactive", "i").Flag("tty", "t").Flag("detach", "d")
            .Option("env", "e").Option("user", "u").Option("workdir", "w").Parse(args, stopAtFirstPositional: true);
        p.Require(2, "give a container and a command: berth exec [flags] CONTAINER COMMAND [ARG…]");
        if (!p.Has("interactive") && !p.Has("tty"))
        {
            // Without -i the command's stdin is empty, as Docker's.
            var devnull = Fd.Open("/dev/null", Fd.O_RDONLY);
            Fd.Dup2((int)devnull.DangerousGetHandle(), 0);
            devnull.Dispose();
        }
        try
        {
            return g.Engine().Exec(p.Positional[0], p.Positional.Skip(1).ToList(), new ExecRequest
            {
                Tty = p.Has("tty"),
                Detach = p.Has("detach"),
                User = p.Get("user"),
                WorkingDir = p.Get("workdir"),
                Env = ContainerRunCommand.ExpandEnv(p.All("env")),
            });
        }
        catch (EngineException e)
        {
            g.Log("error", e.Message);
            return 1;
        }
        catch (Berth.Runtime.RuntimeException e)
        {
            // As docker exec: 127 when the command is not found, 126 when it cannot be run.
            g.Log("error", e.Message);
            var code = ContainerEngine.StartFailureExitCode(e.Message);
            return code == 125 ? 126 : code;
        }
    }
}
