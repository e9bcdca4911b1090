using Odin.Hosting.Cluster;
using Odin.Hosting.Notifications;
using Odin.ClusterPrimitives.Redis;
using Odin.ClusterPrimitives.Reports;

namespace Odin.Hosting.Dashboard;

/// <summary>What a Hosting instance adds to its dashboard report: whether it leads (and its term), and the outbox.</summary>
internal sealed class HostingFigures(ILeaderElection election, OutboxMonitor outbox, IServiceProvider services) : IInstanceFigures
{
    public void Add(IDictionary<string, double> figures, IDictionary<string, string> status)
    {
        // Hosting stays ready without Redis (writes wait in the outbox), so its readiness does not say; this does.
        if (services.GetService<RedisHealth>() is { } redis)
        {
            status["redis"] = redis.IsConnected ? "ok" : "not connected";
        }

        figures["leader"] = election.Current is null ? 0 : 1;
        if (election.Current is { } term)
        {
            figures["term"] = term.FencingToken;
        }

        var reading = outbox.Latest;
        figures["outboxDepth"] = reading.Depth;
        figures["outboxOldestSeconds"] = reading.OldestAge.TotalSeconds;
        figures["shardsHeld"] = outbox.HeldShards;
    }
}
