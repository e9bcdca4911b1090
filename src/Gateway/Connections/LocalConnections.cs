using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Odin.Gateway.Connections;

/// <summary>
/// The device connections this gateway instance holds, by device and by tenant: what revocation closes,
/// what the per-device and per-tenant limits count, and what drain walks.
/// </summary>
public sealed class LocalConnections
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, HubCallerContext>> _byDevice = new();
    private readonly ConcurrentDictionary<Guid, int> _perTenant = new();

    public int Count => _byDevice.Values.Sum(d => d.Count);

    public int CountForDevice(Guid deviceId) => _byDevice.TryGetValue(deviceId, out var c) ? c.Count : 0;

    public int CountForTenant(Guid tenantId) => _perTenant.TryGetValue(tenantId, out var n) ? n : 0;

    public void Add(Guid tenantId, Guid deviceId, HubCallerContext context)
    {
        _byDevice.GetOrAdd(deviceId, _ => new()).TryAdd(context.ConnectionId, context);
        _perTenant.AddOrUpdate(tenantId, 1, (_, n) => n + 1);
    }

    public void Remove(Guid tenantId, Guid deviceId, string connectionId)
    {
        if (_byDevice.TryGetValue(deviceId, out var connections) && connections.TryRemove(connectionId, out _))
        {
            _perTenant.AddOrUpdate(tenantId, 0, (_, n) => Math.Max(0, n - 1));
        }
    }

    /// <summary>Closes every connection of a device held here; returns how many.</summary>
    public int Abort(Guid deviceId)
    {
        if (!_byDevice.TryGetValue(deviceId, out var connections))
        {
            return 0;
        }

        var aborted = 0;
        foreach (var context in connections.Values)
        {
            context.Abort();
            aborted++;
        }

        return aborted;
    }
}
