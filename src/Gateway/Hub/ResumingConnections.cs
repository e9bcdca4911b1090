using System.Collections.Concurrent;

namespace Odin.Gateway.Hub;

/// <summary>This gateway's connections that are replaying history right now, by tenant: the fan-out buffers for them.</summary>
internal sealed class ResumingConnections
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, DeviceConnection>> _byTenant = new();

    public void Add(DeviceConnection connection) =>
        _byTenant.GetOrAdd(connection.Identity.TenantId, _ => new())[connection.ConnectionId] = connection;

    public void Remove(DeviceConnection connection)
    {
        if (_byTenant.TryGetValue(connection.Identity.TenantId, out var connections))
        {
            connections.TryRemove(connection.ConnectionId, out _);
        }
    }

    /// <summary>The resuming connections of <paramref name="tenantId"/> (usually none).</summary>
    public ICollection<DeviceConnection> Of(Guid tenantId) =>
        _byTenant.TryGetValue(tenantId, out var connections) && !connections.IsEmpty ? connections.Values : [];
}
