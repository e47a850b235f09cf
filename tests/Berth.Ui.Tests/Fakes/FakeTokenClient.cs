using System.Collections.Concurrent;
using Berth.ControlPlane;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Fakes;

/// <summary>The user's tokens held in memory, as the identity service would keep them; every request is recorded.</summary>
public sealed class FakeTokenClient : ITokenClient
{
    public List<ApiTokenRow> Tokens { get; } = [];

    /// <summary>What each creation asked for.</summary>
    public ConcurrentQueue<(string Name, DateTimeOffset? ExpiresAt)> Created { get; } = new();

    public ConcurrentQueue<Guid> Revoked { get; } = new();

    public Task<IReadOnlyList<ApiTokenRow>> ListAsync(CancellationToken cancellationToken)
        => Task.FromResult<IReadOnlyList<ApiTokenRow>>(Tokens.OrderByDescending(t => t.CreatedAt).ToList());

    public Task<IssuedToken> CreateAsync(string name, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        Created.Enqueue((name, expiresAt));
        // The service's own rule, so that the page shows its message.
        if (string.IsNullOrWhiteSpace(name)) throw ControlPlaneException.Invalid("a token needs a name of 1 to 100 characters");
        var text = "berth_" + Guid.NewGuid().ToString("N");
        var row = new ApiTokenRow(Guid.NewGuid(), name, text[..12], DateTimeOffset.UtcNow, expiresAt, null, null);
        Tokens.Add(row);
        return Task.FromResult(new IssuedToken(row, text));
    }

    public Task RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        Revoked.Enqueue(id);
        var i = Tokens.FindIndex(t => t.Id == id);
        if (i < 0) throw ControlPlaneException.NotFound($"token {id}");
        Tokens[i] = Tokens[i] with { RevokedAt = DateTimeOffset.UtcNow };
        return Task.CompletedTask;
    }
}
