namespace Berth.ControlPlane.Teams;

/// <summary>The body of <c>POST /api/v1/users</c>; <see cref="Role"/> is <c>none</c> (the default), <c>admin</c> or <c>auditor</c>.</summary>
public sealed class CreateUserRequest
{
    public string? Username { get; set; }

    public string? Password { get; set; }

    public string? Role { get; set; }
}
