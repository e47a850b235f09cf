namespace Berth.ControlPlane.Teams;

/// <summary>The body of <c>POST /api/v1/users/me/password</c>.</summary>
public sealed class ChangePasswordRequest
{
    public string? OldPassword { get; set; }

    public string? NewPassword { get; set; }
}
