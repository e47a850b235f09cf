namespace Berth.ControlPlane.Containers;

/// <summary>The body of <c>POST /api/v1/containers</c>: a container from an image, or from a template with overrides.</summary>
public sealed class CreateContainerRequest : ContainerDefinition
{
    public string? Name { get; set; }

    /// <summary>
    /// The team's name or id; may be left out when the caller operates exactly one team, or when
    /// <see cref="TemplateId"/> is given (the template's team).
    /// </summary>
    public string? Team { get; set; }

    public Guid? TemplateId { get; set; }

    /// <summary>Record the container without starting it.</summary>
    public bool Start { get; set; } = true;
}
