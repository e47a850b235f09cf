using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Templates;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Model;

public sealed class LaunchFormTests
{
    private static LaunchForm Valid() => new() { Image = "busybox:latest", TeamId = Guid.NewGuid() };

    [Fact]
    public void Validate_ImageAndTeam_NoErrors()
    {
        Assert.Empty(Valid().Validate());
    }

    [Fact]
    public void Validate_NoImageNoTeam_AsksForBoth()
    {
        var errors = new LaunchForm { Image = "  " }.Validate();

        Assert.Equal(["Choose an image.", "Choose a team."], errors);
    }

    [Theory]
    [InlineData("-starts-with-dash")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    public void Validate_BadName_ExplainsNames(string name)
    {
        var form = Valid();
        form.Name = name;

        Assert.Equal(["A name has letters, digits, '.', '_' and '-', starts with a letter or digit, and is at most 63 characters."], form.Validate());
    }

    [Fact]
    public void Validate_NameOf64Characters_Refused()
    {
        var form = Valid();
        form.Name = new string('a', 63);
        Assert.Empty(form.Validate());

        form.Name = new string('a', 64);
        Assert.Single(form.Validate());
    }

    [Fact]
    public void Validate_UnclosedQuote_Refused()
    {
        var form = Valid();
        form.Command = "sh -c 'echo hi";

        Assert.Equal(["The command has an unclosed quote."], form.Validate());
    }

    [Fact]
    public void Validate_EnvLineWithoutKey_NamesTheLine()
    {
        var form = Valid();
        form.Env = "A=1\nnoequals\n=value";

        Assert.Equal(["Environment line \"noequals\" is not KEY=VALUE.", "Environment line \"=value\" is not KEY=VALUE."], form.Validate());
    }

    [Fact]
    public void Validate_NonPositiveLimits_OneMessageEach()
    {
        var form = Valid();
        form.MemoryMiB = 0;
        form.Cpus = -1;
        form.PidsLimit = 0;
        form.TtlMinutes = 0;

        Assert.Equal(
        [
            "Memory must be more than 0 MiB.",
            "CPUs must be more than 0.",
            "The process limit must be more than 0.",
            "The time to live must be more than 0 minutes.",
        ], form.Validate());
    }

    [Fact]
    public void Validate_NaNCpus_Refused()
    {
        var form = Valid();
        form.Cpus = double.NaN;

        Assert.Equal(["CPUs must be more than 0."], form.Validate());
    }

    [Fact]
    public void Validate_UnknownPolicyAndNetwork_NamesThem()
    {
        var form = Valid();
        form.RestartPolicy = "sometimes";
        form.Network = "bridge";

        Assert.Equal(["Unknown restart policy \"sometimes\".", "Unknown network \"bridge\"."], form.Validate());
    }

    [Fact]
    public void Validate_RetriesWithoutOnFailure_Refused()
    {
        var form = Valid();
        form.RestartPolicy = "always";
        form.MaxRetries = 3;

        Assert.Equal(["Retries apply to the on-failure policy only."], form.Validate());
    }

    [Fact]
    public void Validate_NegativeRetries_Refused()
    {
        var form = Valid();
        form.RestartPolicy = "on-failure";
        form.MaxRetries = -1;

        Assert.Equal(["Retries cannot be negative."], form.Validate());
    }

    [Theory]
    [InlineData("none", false)]
    [InlineData("host", false)]
    [InlineData("team", true)]
    public void Validate_Ports_OnlyOnTeamNetwork(string network, bool valid)
    {
        var form = Valid();
        form.Network = network;
        form.Ports = "8080:80";

        Assert.Equal(valid, form.Validate().Count == 0);
        if (!valid) Assert.Contains("Ports are published on the team network only.", form.Validate());
    }

    [Fact]
    public void ToRequest_AllFields_MapsToTheApiUnits()
    {
        var team = Guid.NewGuid();
        var form = new LaunchForm
        {
            Image = " busybox:latest ",
            Name = " web-1 ",
            TeamId = team,
            Command = "sh -c 'echo \"hi there\"; sleep 600'  \"two words\" x",
            Env = "A=1\n\n  B=x=y  \nC=",
            MemoryMiB = 64,
            Cpus = 0.5,
            PidsLimit = 50,
            Mounts = "/srv/data:/data:ro\n",
            RestartPolicy = "on-failure",
            MaxRetries = 2,
            TtlMinutes = 90,
            Network = "team",
            Ports = "8080:80\n127.0.0.1:5353:53/udp",
        };

        var r = form.ToRequest();

        Assert.Equal("busybox:latest", r.Image);
        Assert.Equal("web-1", r.Name);
        Assert.Equal(team.ToString(), r.Team);
        Assert.Equal(["sh", "-c", "echo \"hi there\"; sleep 600", "two words", "x"], r.Command);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["B"] = "x=y", ["C"] = "" }, r.Env);
        Assert.Equal(64L * 1024 * 1024, r.MemoryBytes);
        Assert.Equal(0.5, r.Cpus);
        Assert.Equal(50, r.PidsLimit);
        Assert.Equal(["/srv/data:/data:ro"], r.Mounts);
        Assert.Equal("on-failure", r.RestartPolicy);
        Assert.Equal(2, r.MaxRetries);
        Assert.Equal(5400, r.TtlSeconds);
        Assert.Equal("team", r.Network);
        Assert.Equal(["8080:80", "127.0.0.1:5353:53/udp"], r.Ports);
        Assert.True(r.Start);
    }

    [Fact]
    public void ToRequest_Defaults_LeavesOptionalFieldsNull()
    {
        var r = Valid().ToRequest();

        Assert.Null(r.Name);
        Assert.Null(r.Command);
        Assert.Null(r.Env);
        Assert.Null(r.MemoryBytes);
        Assert.Null(r.Mounts);
        Assert.Null(r.TtlSeconds);
        Assert.Null(r.Network);
        Assert.Null(r.Ports);
        Assert.Equal("no", r.RestartPolicy);
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("  echo   hi  ", new[] { "echo", "hi" })]
    [InlineData("echo ''", new[] { "echo", "" })]
    [InlineData("a'b c'd", new[] { "ab cd" })]
    [InlineData("echo 'it\"s'", new[] { "echo", "it\"s" })]
    public void TrySplit_Quotes_GroupWords(string line, string[] expected)
    {
        Assert.True(LaunchForm.TrySplit(line, out var words));
        Assert.Equal(expected, words);
    }

    [Fact]
    public void TrySplit_UnclosedDoubleQuote_False()
    {
        Assert.False(LaunchForm.TrySplit("echo \"hi", out _));
    }

    [Theory]
    [InlineData(new[] { "sleep", "600" }, "sleep 600")]
    [InlineData(new[] { "sh", "-c", "echo hi; sleep 600" }, "sh -c 'echo hi; sleep 600'")]
    [InlineData(new[] { "echo", "" }, "echo ''")]
    [InlineData(new[] { "echo", "it's \"x\"" }, "echo 'it'\"'\"'s \"x\"'")]
    public void JoinCommand_Words_TrySplitReadsThemBack(string[] words, string expected)
    {
        var line = LaunchForm.JoinCommand(words);

        Assert.Equal(expected, line);
        Assert.True(LaunchForm.TrySplit(line, out var back));
        Assert.Equal(words, back);
    }

    [Fact]
    public void LoadFrom_Definition_FillsEveryField()
    {
        var form = new LaunchForm();

        form.LoadFrom(new TemplateRequest
        {
            Image = "alpine:3.20", Command = ["sh", "-c", "echo a b"], Env = new() { ["A"] = "1", ["B"] = "x=y" }, MemoryBytes = 64L << 20, Cpus = 0.5,
            PidsLimit = 50, Mounts = ["tmpfs:/scratch"], RestartPolicy = "on-failure", MaxRetries = 3, TtlSeconds = 600, Network = "team", Ports = ["8080:80"],
        });

        Assert.Equal("alpine:3.20", form.Image);
        Assert.Equal("sh -c 'echo a b'", form.Command);
        Assert.Equal("A=1\nB=x=y", form.Env);
        Assert.Equal(64, form.MemoryMiB);
        Assert.Equal(0.5, form.Cpus);
        Assert.Equal(50, form.PidsLimit);
        Assert.Equal("tmpfs:/scratch", form.Mounts);
        Assert.Equal("on-failure", form.RestartPolicy);
        Assert.Equal(3, form.MaxRetries);
        Assert.Equal(10, form.TtlMinutes);
        Assert.Equal("team", form.Network);
        Assert.Equal("8080:80", form.Ports);
        Assert.Equal(["Choose a team."], form.Validate());
    }

    [Fact]
    public void LoadFrom_NullsAndEmpties_FormDefaults()
    {
        var form = new LaunchForm();

        form.LoadFrom(new TemplateRequest { Image = "busybox:latest" });

        Assert.Equal("", form.Command);
        Assert.Equal("", form.Env);
        Assert.Null(form.MemoryMiB);
        Assert.Null(form.TtlMinutes);
        Assert.Equal("no", form.RestartPolicy);
        Assert.Equal("none", form.Network);
        Assert.Equal("", form.Ports);
    }

    [Fact]
    public void SaveTo_AfterLoadWithOddValues_KeepsThemExactlyWhileUntouched()
    {
        var form = new LaunchForm();
        form.LoadFrom(new TemplateRequest { Image = "busybox:latest", MemoryBytes = 100_000_000, TtlSeconds = 90 });
        Assert.Equal(96, form.MemoryMiB);
        Assert.Equal(2, form.TtlMinutes);

        var kept = new TemplateRequest();
        form.SaveTo(kept);
        form.MemoryMiB = 128;
        form.TtlMinutes = 5;
        var changed = new TemplateRequest();
        form.SaveTo(changed);

        Assert.Equal(100_000_000, kept.MemoryBytes);
        Assert.Equal(90, kept.TtlSeconds);
        Assert.Equal(128L << 20, changed.MemoryBytes);
        Assert.Equal(300, changed.TtlSeconds);
    }

    [Fact]
    public void SaveTo_LeavesFieldsTheFormDoesNotShow()
    {
        var form = new LaunchForm { Image = "busybox:latest", Command = "sleep 1" };
        var definition = new TemplateRequest { IdleStopSeconds = 30, UserNamespace = "host" };

        form.SaveTo(definition);

        Assert.Equal(["sleep", "1"], definition.Command);
        Assert.Equal(30, definition.IdleStopSeconds);
        Assert.Equal("host", definition.UserNamespace);
    }

    [Fact]
    public void ToRequest_FromTemplate_SendsTheTemplateAndEmptyFieldsAsEmpty()
    {
        var template = Guid.NewGuid();
        var form = Valid();
        form.LoadFrom(new TemplateRequest { Image = "busybox:latest", Command = ["sleep", "600"], Network = "team", Ports = ["8080:80"] });
        form.TemplateId = template;
        form.Command = "";
        form.Network = "none";
        form.Ports = "";

        var r = form.ToRequest();

        Assert.Equal(template, r.TemplateId);
        Assert.Equal("busybox:latest", r.Image);
        Assert.Equal(Array.Empty<string>(), r.Command);
        Assert.Equal("none", r.Network);
        Assert.Equal(Array.Empty<string>(), r.Ports);
        Assert.NotNull(r.Env);
        Assert.Empty(r.Env);
    }

    [Fact]
    public void ToRequest_NoTemplate_NoTemplateId()
    {
        Assert.Null(Valid().ToRequest().TemplateId);
        Assert.IsType<CreateContainerRequest>(Valid().ToRequest());
    }
}
