using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Odin.ClusterPrimitives.Notifications;
using Odin.ClusterPrimitives.Presence;
using Odin.Gateway.Connections;
using Odin.Gateway.Hub;
using Odin.Testing;

namespace Odin.Gateway.Tests;

/// <summary>
/// The gateway's presence refresh meets a fault that is not Redis's and refreshes again at the next interval: an
/// exception that left it would stop the whole gateway, and every device on it with it.
/// </summary>
public sealed class PresenceRefreshTests
{
    [Fact]
    public async Task A_refresh_that_fails_with_a_fault_is_not_the_end_of_the_refreshes()
    {
        var time = new FakeTimeProvider();
        var registry = new FaultyRegistry();
        var bus = new InProcessNotificationBus(new MemoryNotificationHistory(Options.Create(new HistoryOptions()), time));
        using var tracker = new PresenceTracker(
            registry, bus, new LocalConnections(), Options.Create(new GatewayOptions()), time, NullLogger<PresenceTracker>.Instance);
        await tracker.StartAsync(CancellationToken.None);

        await Eventually.TrueAsync(
            () =>
            {
                time.Advance(PresenceTiming.Refresh); // the loop may not be waiting on the clock yet: move on until it refreshes
                return registry.Refreshes >= 2;
            },
            "a refresh after the one that met the fault");
        Assert.False(tracker.ExecuteTask!.IsCompleted, "the presence refresh ended");
        await tracker.StopAsync(CancellationToken.None);
    }

    private sealed class FaultyRegistry : IPresenceRegistry
    {
        private int _refreshes;

        public int Refreshes => Volatile.Read(ref _refreshes);

        public Task<IReadOnlyList<Guid>> RefreshAsync(IReadOnlyDictionary<Guid, IReadOnlyCollection<OnlineConnection>> byTenant)
        {
            Interlocked.Increment(ref _refreshes);
            throw new InvalidOperationException("a fault that is not Redis's");
        }

        public Task SetAsync(Guid tenantId, IReadOnlyCollection<OnlineConnection> connections) => Task.CompletedTask;

        public Task RemoveAsync(Guid tenantId, OnlineConnection connection) => Task.CompletedTask;

        public Task<IReadOnlyList<OnlineConnection>> OnlineAsync(Guid tenantId, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<OnlineConnection>>([]);
    }
}
