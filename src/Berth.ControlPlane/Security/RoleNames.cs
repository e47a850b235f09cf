using Berth.Data.Entities;

namespace Berth.ControlPlane.Security;

/// <summary>Roles as the API spells them (lower case), parsed with a refusal that lists the valid ones.</summary>
public static class RoleNames
{
    public static string Of(TeamRole role) => role.ToString().ToLowerInvariant();

    public static string Of(GlobalRole role) => role.ToString().ToLowerInvariant();

    /// <summary>Parses <c>owner</c>, <c>member</c>, <c>viewer</c> or <c>auditor</c>.</summary>
    /// <exception cref="ControlPlaneException">Missing or unknown (invalid request).</exception>
    public static TeamRole ParseTeamRole(string? text) => text switch
    {
        "owner" => TeamRole.Owner,
        "member" => TeamRole.Member,
        "viewer" => TeamRole.Viewer,
        "auditor" => TeamRole.Auditor,
        _ => throw ControlPlaneException.Invalid($"role \"{text}\" is not valid: use owner, member, viewer or auditor"),
    };

    /// <summary>Parses <c>none</c>, <c>admin</c> or <c>auditor</c>.</summary>
    /// <exception cref="ControlPlaneException">Missing or unknown (invalid request).</exception>
    public static GlobalRole ParseGlobalRole(string? text) => text switch
    {
        "none" => GlobalRole.None,
        "admin" => GlobalRole.Admin,
        "auditor" => GlobalRole.Auditor,
        _ => throw ControlPlaneException.Invalid($"role \"{text}\" is not valid: use none, admin or auditor"),
    };
}
