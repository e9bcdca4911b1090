using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Observability;

namespace Odin.Hosting.Peer;

public static class PeerComposition
{
    /// <summary>Peer transfer: both boxes, the sender and processor (every instance), reconciliation (leader).</summary>
    public static IServiceCollection AddPeerTransfer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<PeerOptions>(configuration, PeerOptions.Section);
        // One long-lived client; connections are recycled every few minutes so DNS changes of peers are seen.
        // Every connection is opened by the address policy (no internal addresses), and no redirect is
        // followed: a peer could otherwise send the call on to an internal URL.
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PeerOptions>>();
            var policy = PeerAddressPolicy.From(options.Value);
            var handler = new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                AllowAutoRedirect = false,
                UseProxy = false,
                ConnectCallback = policy.ConnectAsync,
            };
            return new PeerClient(new HttpClient(handler) { Timeout = options.Value.RequestTimeout }, options, sp.GetRequiredService<ILogger<PeerClient>>());
        });
        services.AddSingleton<PeerOutbox>();
        services.AddSingleton<PeerInbox>();
        services.AddSingleton<PeerOutboxSignal>();
        services.AddSingleton<PeerInboxSignal>();
        services.AddSingleton<PeerMetrics>();
        services.AddInstrumentsAtStart<PeerMetrics>();
        services.AddEveryInstance<PeerOutboxSender>();
        services.AddEveryInstance<PeerInboxProcessor>();
        services.AddLeaderOnly<PeerReconciliation>();
        return services;
    }
}
