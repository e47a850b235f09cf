using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Templates;

namespace Berth.Ui.Model;

/// <summary>
/// The template editor's fields: a name, a description, and the definition in a <see cref="LaunchForm"/> (whose
/// <see cref="LaunchForm.TeamId"/> is the template's team). The fields the form does not show (health check, idle
/// stop, user namespace, seccomp) are kept from the template edited.
/// </summary>
public sealed class TemplateForm
{
    private readonly ContainerDefinition _kept = new();

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public LaunchForm Definition { get; } = new();

    /// <summary>The template edited; null for a new one.</summary>
    public Guid? Id { get; private set; }

    /// <summary>The version of the template edited, sent back so that a change made meanwhile is refused.</summary>
    public uint? Version { get; private set; }

    public static TemplateForm From(TemplateView template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var form = new TemplateForm { Name = template.Name, Description = template.Description, Id = template.Id, Version = template.Version };
        form.Definition.TeamId = template.TeamId;
        form.Definition.LoadFrom(template);
        form._kept.HealthCheck = template.HealthCheck;
        form._kept.IdleStopSeconds = template.IdleStopSeconds;
        form._kept.UserNamespace = template.UserNamespace;
        form._kept.SeccompProfile = template.SeccompProfile;
        return form;
    }

    /// <summary>What is wrong with the fields, one message each; empty when the form may be sent.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name)) errors.Add("Give the template a name.");
        else if (!LaunchForm.IsName(Name.Trim())) errors.Add("A name has letters, digits, '.', '_' and '-', starts with a letter or digit, and is at most 63 characters.");
        errors.AddRange(Definition.Validate());
        return errors;
    }

    public TemplateRequest ToRequest()
    {
        var request = new TemplateRequest
        {
            Team = Definition.TeamId?.ToString(),
            Name = Name.Trim(),
            Description = Description,
            Version = Version,
            HealthCheck = _kept.HealthCheck,
            IdleStopSeconds = _kept.IdleStopSeconds,
            UserNamespace = _kept.UserNamespace,
            SeccompProfile = _kept.SeccompProfile,
        };
        Definition.SaveTo(request);
        return request;
    }
}
