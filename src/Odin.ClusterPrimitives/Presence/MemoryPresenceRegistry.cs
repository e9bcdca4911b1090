using System.Collections.Concurrent;

namespace Odin.ClusterPrimitives.Presence;

/// <summary>One node: the gateway in this process is the only one, so its connections are the online list.</summary>
public sealed class MemoryPresenceRegistry : IPresenceRegistry
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, OnlineConnection>> _byTenant = new();

    public Task SetAsync(Guid tenantId, IReadOnlyCollection<OnlineConnection> connections)
    {
        var online = _byTenant.GetOrAdd(tenantId, _ => new());
        foreach (var connection in connections)
        {
            online[connection.ConnectionId] = connection;
        }

        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<Guid>> RefreshAsync(IReadOnlyDictionary<Guid, IReadOnlyCollection<OnlineConnection>> byTenant)
    {
        foreach (var (tenantId, connections) in byTenant)
        {
            await SetAsync(tenantId, connections);
        }

        return [];
    }

    public Task RemoveAsync(Guid tenantId, OnlineConnection connection)
    {
        if (_byTenant.TryGetValue(tenantId, out var online))
        {
            online.TryRemove(connection.ConnectionId, out _);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OnlineConnection>> OnlineAsync(Guid tenantId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<OnlineConnection>>(_byTenant.TryGetValue(tenantId, out var online) ? [.. online.Values] : []);
}
