namespace Berth.ControlPlane.Teams;

/// <summary>The body of <c>PUT /api/v1/teams/{id}/members/{user}</c>: <c>owner</c>, <c>member</c>, <c>viewer</c> or <c>auditor</c>.</summary>
public sealed class MemberRequest
{
    public string? Role { get; set; }
}
