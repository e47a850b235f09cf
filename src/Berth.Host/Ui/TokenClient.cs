using Berth.ControlPlane.Identity;
using Berth.Data.Entities;
using Berth.Ui.Model;

namespace Berth.Host.Ui;

/// <summary>The UI's API tokens, over the identity service, as the circuit's user; the tokens reach the UI as rows, never as entities.</summary>
public sealed class TokenClient(ISessionClient session, IdentityService identity) : ITokenClient
{
    public async Task<IReadOnlyList<ApiTokenRow>> ListAsync(CancellationToken cancellationToken)
        => (await identity.ListTokensAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false)).Select(Row).ToList();

    public async Task<IssuedToken> CreateAsync(string name, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var (token, text) = await identity.CreateTokenAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), name, expiresAt, cancellationToken).ConfigureAwait(false);
        return new IssuedToken(Row(token), text);
    }

    public async Task RevokeAsync(Guid id, CancellationToken cancellationToken)
        => await identity.RevokeTokenAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);

    private static ApiTokenRow Row(ApiToken t) => new(t.Id, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);
}
