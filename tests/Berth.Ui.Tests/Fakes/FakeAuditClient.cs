using System.Collections.Concurrent;
using Berth.ControlPlane;
using Berth.ControlPlane.Audit;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Fakes;

/// <summary>Audit pages and a chain check set by the test; every filter asked for is recorded.</summary>
public sealed class FakeAuditClient : IAuditClient
{
    /// <summary>The pages answered: by the filter's <c>before</c> (null for the first page).</summary>
    public Dictionary<long, AuditPage> PagesBefore { get; } = [];

    public AuditPage FirstPage { get; set; } = new([], null);

    public AuditVerification Verification { get; set; } = new(true, 0, null, null, null);

    /// <summary>When set, <see cref="ListAsync"/> throws it.</summary>
    public ControlPlaneException? ListFailure { get; set; }

    /// <summary>When set, <see cref="VerifyAsync"/> throws it.</summary>
    public ControlPlaneException? VerifyFailure { get; set; }

    public ConcurrentQueue<AuditFilter> Filters { get; } = new();

    public Task<AuditPage> ListAsync(AuditFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        Filters.Enqueue(filter);
        if (ListFailure is { } e) throw e;
        return Task.FromResult(filter.Before is { } before ? PagesBefore[before] : FirstPage);
    }

    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
        => VerifyFailure is { } e ? throw e : Task.FromResult(Verification);
}
