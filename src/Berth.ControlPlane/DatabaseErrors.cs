using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Berth.ControlPlane;

/// <summary>Reads PostgreSQL's refusals that mean a conflict with what others did at the same time.</summary>
public static class DatabaseErrors
{
    /// <summary>Whether <paramref name="e"/> is a unique index refusing a duplicate (SQLSTATE 23505): a name taken by a concurrent request.</summary>
    public static bool IsUniqueViolation(DbUpdateException e)
        => e?.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
