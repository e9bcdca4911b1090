using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;
using Odin.Shared;

namespace Odin.Hosting.Peer;

public static class PeerComposition
{
    /// <summary>Peer transfer: both boxes, the sender and processor (every instance), reconciliation (leader).</summary>
    public static IServiceCollection AddPeerTransfer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<PeerOptions>(configuration, PeerOptions.Section);
        // One long-lived client; connections are recycled every few minutes so DNS changes of peers are seen.
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PeerOptions>>();
            var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = options.Value.RequestTimeout };
            return new PeerClient(http, options);
        });
        services.AddSingleton<PeerOutbox>();
        services.AddSingleton<PeerInbox>();
        services.AddSingleton<PeerOutboxSignal>();
        services.AddSingleton<PeerInboxSignal>();
        services.AddSingleton<PeerMetrics>();
        services.AddEveryInstance<PeerOutboxSender>();
        services.AddEveryInstance<PeerInboxProcessor>();
        services.AddLeaderOnly<PeerReconciliation>();
        return services;
    }
}
