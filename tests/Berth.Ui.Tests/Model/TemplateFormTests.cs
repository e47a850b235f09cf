using System.Text.Json;
using Berth.ControlPlane.Containers;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Model;

public sealed class TemplateFormTests
{
    [Fact]
    public void Validate_Empty_AsksForNameTeamAndImage()
    {
        Assert.Equal(["Give the template a name.", "Choose an image.", "Choose a team."], new TemplateForm().Validate());
    }

    [Fact]
    public void Validate_BadName_SaysTheRule()
    {
        var form = new TemplateForm { Name = "-web" };
        form.Definition.Image = "busybox:latest";
        form.Definition.TeamId = Guid.NewGuid();

        Assert.Equal(["A name has letters, digits, '.', '_' and '-', starts with a letter or digit, and is at most 63 characters."], form.Validate());
    }

    [Fact]
    public void ToRequest_New_NameTeamDescriptionAndDefinition()
    {
        var team = Guid.NewGuid();
        var form = new TemplateForm { Name = " web ", Description = "a web server" };
        form.Definition.TeamId = team;
        form.Definition.Image = "busybox:latest";
        form.Definition.Command = "httpd -f";
        form.Definition.Cpus = 0.5;

        var r = form.ToRequest();

        Assert.Equal("web", r.Name);
        Assert.Equal(team.ToString(), r.Team);
        Assert.Equal("a web server", r.Description);
        Assert.Null(r.Version);
        Assert.Equal("busybox:latest", r.Image);
        Assert.Equal(["httpd", "-f"], r.Command);
        Assert.Equal(0.5, r.Cpus);
    }

    [Fact]
    public void FromTemplate_ThenToRequest_KeepsVersionAndHiddenFields()
    {
        var view = FakeTemplateClient.Template("web", ["sleep", "600"]);
        var edited = new Berth.ControlPlane.Templates.TemplateView
        {
            Id = view.Id, TeamId = view.TeamId, Team = view.Team, Name = view.Name, Description = "d", Version = 9, Image = "busybox:latest",
            Command = ["sleep", "600"], HealthCheck = new Berth.Data.Entities.HealthCheckSpec { Command = "true" }, IdleStopSeconds = 120, UserNamespace = "host",
            SeccompProfile = JsonDocument.Parse("\"unconfined\"").RootElement,
        };

        var form = TemplateForm.From(edited);
        form.Definition.Command = "sleep 5";
        var r = form.ToRequest();

        Assert.Equal(edited.Id, form.Id);
        Assert.Equal(9u, r.Version);
        Assert.Equal(edited.TeamId.ToString(), r.Team);
        Assert.Equal("d", r.Description);
        Assert.Equal(["sleep", "5"], r.Command);
        Assert.Equal("true", r.HealthCheck!.Command);
        Assert.Equal(120, r.IdleStopSeconds);
        Assert.Equal("host", r.UserNamespace);
        Assert.Equal("unconfined", r.SeccompProfile!.Value.GetString());
    }
}
