namespace Berth.ControlPlane.Teams;

/// <summary>The body of <c>PATCH /api/v1/users/{id}</c>: the fields to change (left out: unchanged), and optionally the version read.</summary>
public sealed class UpdateUserRequest
{
    public bool? Disabled { get; set; }

    /// <summary><c>none</c>, <c>admin</c> or <c>auditor</c>.</summary>
    public string? Role { get; set; }

    /// <summary>A new password (a reset by an admin: the old one is not asked).</summary>
    public string? Password { get; set; }

    /// <summary>The <see cref="UserView.Version"/> this change was made from; when given and the user changed since, the change is refused (409).</summary>
    public uint? Version { get; set; }
}
