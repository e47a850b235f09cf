using Berth.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Berth.Migrations;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without the host. Adding a migration never connects; the
/// connection string matters only to <c>dotnet ef database update</c> (prefer <c>Berth.Host migrate</c>).
/// </summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<BerthDbContext>
{
    public BerthDbContext CreateDbContext(string[] args)
    {
        var connection = Environment.GetEnvironmentVariable("ConnectionStrings__Berth") ?? "Host=127.0.0.1;Username=postgres;Database=berth";
        var builder = new DbContextOptionsBuilder<BerthDbContext>();
        builder.UseBerthPostgres(connection);
        return new BerthDbContext(builder.Options);
    }
}
