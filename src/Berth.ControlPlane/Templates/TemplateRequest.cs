using Berth.ControlPlane.Containers;

namespace Berth.ControlPlane.Templates;

/// <summary>
/// The body of <c>POST /api/v1/templates</c> and <c>PUT /api/v1/templates/{id}</c>: the team (name or id; on a
/// change, only the template's own), a name, a description, and the definition fields of a launch.
/// </summary>
public sealed class TemplateRequest : ContainerDefinition
{
    public string? Team { get; set; }

    public string? Name { get; set; }

    public string? Description { get; set; }

    /// <summary>On a change: the <see cref="TemplateView.Version"/> it was made from; when given and the template changed since, the change is refused (409).</summary>
    public uint? Version { get; set; }
}
