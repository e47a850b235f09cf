using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.ControlPlane;
using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.History;
using Berth.ControlPlane.Identity;
using Berth.ControlPlane.Images;
using Berth.ControlPlane.Jobs;
using Berth.ControlPlane.Networks;
using Berth.ControlPlane.Nodes;
using Berth.ControlPlane.Security;
using Berth.ControlPlane.Teams;
using Berth.ControlPlane.Templates;
using Berth.ControlPlane.Workers;
using Berth.Data;
using Berth.Host.Api;
using Berth.Host.Auth;
using Berth.Host.Hubs;
using Berth.Host.Ui;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Berth.Host;

/// <summary>
/// The composition root: builds the web host (REST API, SignalR hub, Hangfire server, auth, health, metrics) that
/// tests start too, and runs the <c>migrate</c> command.
/// </summary>
public static class BerthHost
{
    /// <summary>The address served when none is configured.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Largest JSON body accepted by the API (uploads have their own limit).</summary>
    public const long MaxJsonBody = 1024 * 1024;

    /// <summary><c>migrate</c>: applies the database migrations and exits. Otherwise: serves until stopped.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "migrate")
        {
            var config = new ConfigurationBuilder().AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables().AddCommandLine(args[1..]).Build();
            var connection = config.GetConnectionString("Berth");
            if (string.IsNullOrEmpty(connection))
            {
                await Console.Error.WriteLineAsync("error: ConnectionStrings:Berth is not set (environment ConnectionStrings__Berth)").ConfigureAwait(false);
                return 2;
            }
            await MigrateAsync(connection, CancellationToken.None).ConfigureAwait(false);
            await Console.Out.WriteLineAsync("database is up to date").ConfigureAwait(false);
            return 0;
        }
        await using var app = Build(args);
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>Applies every pending migration of the control plane's schema, and installs Hangfire's schema.</summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        var options = new DbContextOptionsBuilder<BerthDbContext>();
        options.UseBerthPostgres(connectionString);
        await using (var db = new BerthDbContext(options.Options))
        {
            await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        PostgreSqlObjectsInstaller.Install(connection, HangfireSchema);
    }

    private const string HangfireSchema = "hangfire";

    /// <summary>Builds the host; <paramref name="configure"/> lets tests add configuration and services before it is built.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json is read from beside the host's binaries, wherever it is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory, ApplicationName = typeof(BerthHost).Assembly.GetName().Name });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrl);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxJsonBody);
        // The UI's static files (MudBlazor's, the framework's scripts) from the build output when not published (tests, dotnet run).
        builder.WebHost.UseStaticWebAssets();
        configure?.Invoke(builder);
        AddServices(builder);
        var app = builder.Build();
        MapEndpoints(app);
        return app;
    }

    private static void AddServices(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var connection = builder.Configuration.GetConnectionString("Berth");
        if (string.IsNullOrEmpty(connection)) throw new InvalidOperationException("ConnectionStrings:Berth is not set (environment ConnectionStrings__Berth)");

        services.AddOptions<ControlPlaneOptions>().Bind(builder.Configuration.GetSection(ControlPlaneOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddDbContextFactory<BerthDbContext>(o => o.UseBerthPostgres(connection));
        services.AddSingleton<NodeEngine>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<Guard>();
        services.AddSingleton<CallerFactory>();
        services.AddSingleton<IdentityService>();
        services.AddSingleton<ContainerLocks>();
        services.AddSingleton<JobDispatcher>();
        services.AddSingleton<ContainerService>();
        services.AddTransient<ContainerJobs>();
        services.AddSingleton<TeamService>();
        services.AddSingleton<TeamNetworks>();
        services.AddSingleton<UserService>();
        services.AddSingleton<TemplateService>();
        services.AddSingleton<ImageCatalog>();
        services.AddSingleton<ImagePulls>();
        services.AddSingleton<ImageService>();
        services.AddTransient<ImageJobs>();
        services.AddSingleton<NodeService>();
        services.AddSingleton<AuditQueries>();
        services.AddSingleton<RunQueries>();
        services.AddSingleton<EngineEventIngestor>();
        services.AddHostedService(sp => sp.GetRequiredService<EngineEventIngestor>());
        services.AddSingleton<NodeHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeHeartbeat>());
        services.AddTransient<SupervisionJobs>();
        services.AddHostedService<Supervisor>();
        services.AddHostedService<HttpHealthChecks>();
        services.AddHostedService<Bootstrap>();
        LiveServices.Add(services);
        UiServices.Add(services);

        // Hangfire's own registrations hand out the process-wide JobStorage.Current and JobActivator.Current as they
        // are when first asked for: with two hosts in one process (the tests run several), one host would queue jobs
        // in the other's database and run them with the other's services. Each host gets its own.
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = HangfireSchema,
            // Installed by `migrate`, never at start-up.
            PrepareSchemaIfNecessary = false,
            // LISTEN/NOTIFY: a job starts within milliseconds; the poll only catches a missed notification.
            EnableLongPolling = true,
            QueuePollInterval = TimeSpan.FromSeconds(1),
        };
        services.AddSingleton<JobStorage>(_ => new PostgreSqlStorage(new NpgsqlConnectionFactory(connection, storageOptions), storageOptions));
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, h) => h
            .UseLogProvider(new HangfireLogProvider(sp.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddHangfireServer((sp, o) =>
        {
            var node = sp.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.NodeName;
            o.Queues = [NodeQueue.For(node), "default"];
            o.WorkerCount = 8;
            o.ServerName = "berth-" + node;
        });

        // Malformed bodies reach the exception handler, which says what is wrong with them.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<Problems>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        });
        services.AddOpenApi();

        services.AddAuthentication("Berth")
            .AddPolicyScheme("Berth", "cookie or token", o => o.ForwardDefaultSelector = http =>
                TokenAuthenticationHandler.HasToken(http.Request) ? TokenAuthenticationHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null)
            .AddCookie(o =>
            {
                o.Cookie.Name = "berth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.LoginPath = "/login";
                // The API answers 401/403; only pages redirect to the sign-in page.
                o.Events.OnRedirectToLogin = c => Deny(c, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = c => Deny(c, StatusCodes.Status403Forbidden);
            });
        services.AddAuthorization();

        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddMeter("Berth.ControlPlane")
            .AddPrometheusExporter());
    }

    private static Task Deny(RedirectContext<CookieAuthenticationOptions> c, int status)
    {
        if (c.Request.Path.StartsWithSegments("/api") || c.Request.Path.StartsWithSegments("/hubs"))
        {
            c.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        c.Response.Redirect(c.RedirectUri);
        return Task.CompletedTask;
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { AsyncAuthorization = [new HangfireDashboardAuthorization()], DisplayStorageConnectionString = false });

        var api = app.MapGroup("/api/v1").RequireAuthorization();
        AuthEndpoints.Map(api);
        ContainerEndpoints.Map(api);
        TeamEndpoints.Map(api);
        UserEndpoints.Map(api);
        TemplateEndpoints.Map(api);
        ImageEndpoints.Map(api);
        NodeEndpoints.Map(api);
        NetworkEndpoints.Map(api);
        AuditEndpoints.Map(api);
        RunEndpoints.Map(api);
        LiveServices.Map(app, api);
        UiServices.Map(app);
    }
}
