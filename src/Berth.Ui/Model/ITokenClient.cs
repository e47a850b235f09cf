namespace Berth.Ui.Model;

/// <summary>
/// The signed-in user's API tokens. The host implements it over the control plane for the circuit's user; a refusal
/// or bad input throws <see cref="Berth.ControlPlane.ControlPlaneException"/> with a message for the user.
/// </summary>
public interface ITokenClient
{
    /// <summary>The user's tokens, newest first, revoked and expired ones included.</summary>
    Task<IReadOnlyList<ApiTokenRow>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Issues a token named <paramref name="name"/> that expires at <paramref name="expiresAt"/> (never when null).</summary>
    Task<IssuedToken> CreateAsync(string name, DateTimeOffset? expiresAt, CancellationToken cancellationToken);

    /// <summary>Revokes one of the user's tokens; requests signed with it are refused from then on.</summary>
    Task RevokeAsync(Guid id, CancellationToken cancellationToken);
}
