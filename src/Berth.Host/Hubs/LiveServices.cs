using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.ControlPlane.Live;
using Berth.ControlPlane.Usage;
using Berth.Data;
using Berth.Host.Api;
using Hangfire;

namespace Berth.Host.Hubs;

/// <summary>The host's wiring of live data and usage: the sampler and feed, the hub, the REST snapshots and usage endpoints, and the recurring usage jobs.</summary>
public static class LiveServices
{
    /// <summary>The hub's path.</summary>
    public const string HubPath = "/hubs/live";

    public static void Add(IServiceCollection services)
    {
        services.AddSingleton<LiveFeed>();
        services.AddSingleton<LiveService>();
        services.AddSingleton<TerminalService>();
        services.AddSingleton<UsageService>();
        services.AddTransient<UsageJobs>();
        services.AddSingleton<StatsSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<StatsSampler>());
        services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
    }

    public static void Map(WebApplication app, RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHub<LiveHub>(HubPath);
        LiveEndpoints.Map(api);
        UsageEndpoints.Map(api);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            try
            {
                UsageJobs.Register(app.Services.GetRequiredService<IRecurringJobManager>());
            }
            catch (Exception e) when (BerthDatabase.IsUnavailable(e))
            {
                app.Logger.LogWarning("usage jobs not registered (PostgreSQL cannot be reached); they are on the next start: {Message}", e.Message);
            }
        });
    }
}
