using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Odin.Gateway;
using Odin.Hosting.Auth;
using Odin.Hosting.Caching;
using Odin.Hosting.Certificates;
using Odin.Hosting.Cluster;
using Odin.Hosting.Common;
using Odin.Hosting.Devices;
using Odin.Hosting.Drives;
using Odin.Hosting.Edge;
using Odin.Hosting.Files;
using Odin.Hosting.Jobs;
using Odin.Hosting.Keys;
using Odin.Hosting.LastSeen;
using Odin.Hosting.Notifications;
using Odin.Hosting.OpenApi;
using Odin.Hosting.Peer;
using Odin.Hosting.Security;
using Odin.Hosting.Storage;
using Odin.Hosting.Temp;
using Odin.Hosting.Tenants;
using Odin.Shared;
using Odin.Shared.Auth;
using Odin.Shared.Observability;
using Odin.Contracts;
using Odin.Shared.Redis;

namespace Odin.Hosting;

/// <summary>
/// Composition of Odin.Hosting. Single node (no <c>Odin:Redis:Configuration</c>): SQLite by default and
/// the device hub hosted in-process. Cluster: publishes through the SignalR Redis backplane to the
/// Gateway instances.
/// </summary>
public static class OdinHostingApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json ships beside the binary; data paths stay relative to the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        var configuration = builder.Configuration;
        ListenAddresses.Check(configuration);
        var services = builder.Services;
        var redis = configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        var singleNode = !redis.IsCluster;

        services.TryAddSingleton(TimeProvider.System);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemDefaults.Apply);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Unreadable bodies throw, so BadRequestExceptionHandler can say what was wrong with them.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddOdinOpenApi();
        services.AddOdinClusterPrimitives(redis);
        services.AddOdinObservability("odin-hosting", NotificationMetrics.MeterName);

        services.AddStorage(configuration);
        services.AddLevel1Cache(configuration, redis);
        services.AddSingleton<InstanceIdentity>();
        services.AddLeaderElection(configuration, redis);
        services.AddDistributedLocks(configuration, redis);
        services.AddJobs(configuration);
        services.AddPeerTransfer(configuration);
        services.AddSecurityHealthCheck(configuration);
        builder.AddCertificates();
        services.AddValidatedOptions<TempFolderOptions>(configuration, TempFolderOptions.Section);
        services.AddSingleton<TempFolder>();
        services.AddLeaderOnly<TempSweeper>();
        services.AddHealthChecks().AddCheck<DatabaseReadinessCheck>("database", tags: [HealthTags.Ready]);
        services.AddEdge(configuration);
        services.AddOdinAuth(configuration, singleNode);
        services.AddKeys(configuration, singleNode);
        services.AddSingleton<TenantStore>();
        services.AddSingleton<IdentityRegistry>();
        services.AddEveryInstance<RegistrySync>();
        services.AddSingleton<DriveStore>();
        services.AddSingleton<DeviceStore>();
        services.AddSingleton<FileStore>();
        services.AddSingleton<LastSeenTracker>();
        services.AddSingleton<LastSeenStore>();
        services.AddEveryInstance<LastSeenFlusher>();
        services.AddLeaderOnly<LastSeenPruner>();
        services.AddValidatedOptions<LastSeenOptions>(configuration, LastSeenOptions.Section);
        services.AddValidatedOptions<Files.FileOptions>(configuration, Files.FileOptions.Section);
        services.AddSingleton<StartupTasks>();

        services.AddSingleton<NotificationOutbox>();
        services.AddSingleton<DispatchSignal>();
        services.AddSingleton<NotificationMetrics>();
        services.AddInstrumentsAtStart<NotificationMetrics>();
        services.AddValidatedOptions<NotificationOptions>(configuration, NotificationOptions.Section);
        services.AddEveryInstance<OutboxShards>();
        services.AddEveryInstance<NotificationDispatcher>();
        services.AddEveryInstance<DispatchWakeRelay>();
        services.AddEveryInstance<OutboxMonitor>();
        services.AddLeaderOnly<OutboxPruner>();
        services.AddHealthChecks().AddCheck<OutboxLagCheck>("outbox", tags: [HealthTags.Ready]);

        if (singleNode)
        {
            // The device hub in this process; the in-process notification bus feeds it.
            services.AddOdinGateway(configuration);
        }
        else
        {
            // No hub here: devices connect to the gateways, which the Redis notification bus feeds.
            services.AddDeviceTokenAuthentication(HubPaths.Device);
            services.AddAuthorization();
        }

        var fileOptions = configuration.GetSection(Files.FileOptions.Section).Get<Files.FileOptions>() ?? new Files.FileOptions();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = fileOptions.MaxRequestBodyBytes);

        var app = builder.Build();
        app.UseForwardedHeaders(); // the client's address behind a trusted proxy (Odin:Edge:TrustedProxies)
        app.UseMiddleware<RequestLog>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebSockets();
        app.UseRouting();
        app.UseRateLimiter(); // after routing: limits belong to endpoints; before the tenant and token checks they guard
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<RequestContextMiddleware>();

        var api = app.MapGroup("/api/v1");
        api.MapAdminEndpoints();
        api.MapDriveEndpoints();
        api.MapDeviceEndpoints();
        api.MapFileEndpoints();
        api.MapPeerEndpoints();
        api.MapSecurityEndpoints();
        app.MapJwks();
        app.MapIdentityKey();
        app.MapAcmeChallenges();
        app.MapOpenApi();
        app.MapOdinObservability();
        app.MapLeaderStatus();
        if (singleNode)
        {
            app.MapOdinGateway();
        }

        return app;
    }

    /// <summary>For the executable: a single node drains its devices on SIGTERM before it stops (the hub is in this process).</summary>
    public static void DrainOnSignals(WebApplicationBuilder builder)
    {
        var redis = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        if (!redis.IsCluster)
        {
            builder.Services.DrainOnSignals();
        }
    }

    /// <summary>
    /// Validates options, migrates the database and loads the registry, then starts serving. Doing the
    /// first two before the host starts means a bad setting fails with one line, not a logged stack trace.
    /// </summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        app.Services.GetService<IStartupValidator>()?.Validate();
        // The secrets a single node creates on first start, now that every setting is known to be good.
        _ = app.Services.GetRequiredService<SigningKey>();
        _ = app.Services.GetRequiredService<KeyEncryption>();
        _ = app.Services.GetRequiredService<IOptions<AdminOptions>>().Value;
        await app.Services.GetRequiredService<StartupTasks>().RunAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
    }
}
