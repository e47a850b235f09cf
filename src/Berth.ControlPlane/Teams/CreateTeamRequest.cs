namespace Berth.ControlPlane.Teams;

/// <summary>The body of <c>POST /api/v1/teams</c>.</summary>
public sealed class CreateTeamRequest
{
    public string? Name { get; set; }
}
