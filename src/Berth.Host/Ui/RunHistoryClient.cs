using Berth.ControlPlane.History;
using Berth.Data;
using Berth.Ui.Model;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Ui;

/// <summary>The UI's history of runs, over <see cref="RunQueries"/>, as the circuit's user.</summary>
public sealed class RunHistoryClient(ISessionClient session, RunQueries runs, IDbContextFactory<BerthDbContext> dbFactory) : IRunHistoryClient
{
    public async Task<IReadOnlyList<HistoryRun>> ListAsync(RunFilter filter, CancellationToken cancellationToken)
    {
        var caller = await session.CallerAsync(cancellationToken).ConfigureAwait(false);
        var list = await runs.ListAsync(caller, filter, cancellationToken).ConfigureAwait(false);
        var teamIds = list.Select(r => r.TeamId).Distinct().ToList();
        var names = new Dictionary<Guid, string>();
        if (teamIds.Count > 0)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            names = await db.Teams.AsNoTracking().Where(t => teamIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken).ConfigureAwait(false);
        }
        return list.Select(r => new HistoryRun(r, names.GetValueOrDefault(r.TeamId) ?? r.TeamId.ToString())).ToList();
    }
}
