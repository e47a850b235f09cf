using Berth.ControlPlane.Containers;
using Berth.Data.Entities;

namespace Berth.ControlPlane.Templates;

/// <summary>A template as the API shows it: its team, name and description, its definition, and its row's version.</summary>
public sealed class TemplateView : ContainerDefinition
{
    public Guid Id { get; init; }

    public Guid TeamId { get; init; }

    public required string Team { get; init; }

    public required string Name { get; init; }

    public required string Description { get; init; }

    public Guid CreatedById { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public uint Version { get; init; }

    public static TemplateView From(Template t, string team)
    {
        ArgumentNullException.ThrowIfNull(t);
        var view = new TemplateView
        {
            Id = t.Id, TeamId = t.TeamId, Team = team, Name = t.Name, Description = t.Description,
            CreatedById = t.CreatedById, CreatedAt = t.CreatedAt, UpdatedAt = t.UpdatedAt, Version = t.Version,
        };
        view.CopyFrom(t.Spec);
        return view;
    }
}
