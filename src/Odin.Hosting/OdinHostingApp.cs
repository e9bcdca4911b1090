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
using Odin.Hosting.Dashboard;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Auth;
using Odin.ClusterPrimitives.Observability;
using Odin.Contracts;
using Odin.ClusterPrimitives.Redis;

namespace Odin.Hosting;

/// <summary>
/// Composition of Odin.Hosting: each feature composes itself (its <c>AddX()</c> and <c>MapX()</c>, in its folder).
/// Single node (no <c>Odin:Redis:Configuration</c>): SQLite by default and the device hub hosted in-process.
/// Cluster: the outbox publishes on each identity's Redis channel, and the Gateway instances deliver.
/// </summary>
public static class OdinHostingApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json ships beside the binary; data paths stay relative to the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddSecretFiles();
        configure?.Invoke(builder);
        var configuration = builder.Configuration;
        ListenAddresses.Check(configuration);
        var services = builder.Services;
        var redis = RedisOptions.Read(configuration);
        var singleNode = !redis.IsCluster;

        services.TryAddSingleton(TimeProvider.System);
        services.AddOdinProblems();
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
        services.AddTempFolder(configuration);
        services.AddEdge(configuration);
        services.AddOdinAuth(configuration, singleNode);
        services.AddKeys(configuration, singleNode);
        services.AddTenants();
        services.AddDrives();
        services.AddDevices();
        builder.AddFiles();
        services.AddLastSeen(configuration);
        services.AddNotifications(configuration);
        services.AddDashboard();

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
        api.MapKeyAdministration();
        app.MapDashboard(api);
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
        var redis = RedisOptions.Read(builder.Configuration);
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
