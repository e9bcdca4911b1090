using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Odin.Gateway.Connections;

/// <summary>
/// The device connections this gateway instance holds, by device and by tenant, and how many are in each
/// SignalR group: what revocation closes, what the limits count, and how many devices a notification reaches.
/// </summary>
public sealed class LocalConnections
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, HubCallerContext>> _byDevice = new();
    private readonly ConcurrentDictionary<Guid, int> _perTenant = new();
    private readonly ConcurrentDictionary<string, int> _groupMembers = new();
    private long _subscriptions;

    /// <summary>Drive subscriptions held by this instance's connections.</summary>
    public long Subscriptions => Interlocked.Read(ref _subscriptions);

    /// <summary>Connections of this instance in <paramref name="group"/>.</summary>
    public int Members(string group) => _groupMembers.TryGetValue(group, out var n) ? n : 0;

    /// <param name="subscription">The group is a drive's, joined by <c>Subscribe</c>.</param>
    public void Joined(string group, bool subscription)
    {
        _groupMembers.AddOrUpdate(group, 1, (_, n) => n + 1);
        if (subscription)
        {
            Interlocked.Increment(ref _subscriptions);
        }
    }

    public void Left(string group, bool subscription)
    {
        if (_groupMembers.AddOrUpdate(group, 0, (_, n) => n - 1) <= 0)
        {
            _groupMembers.TryRemove(KeyValuePair.Create(group, 0));
        }

        if (subscription)
        {
            Interlocked.Decrement(ref _subscriptions);
        }
    }

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

    /// <summary>The ids of a device's connections held here.</summary>
    public IReadOnlyList<string> ConnectionIdsOf(Guid deviceId) => _byDevice.TryGetValue(deviceId, out var c) ? [.. c.Keys] : [];

    /// <summary>Every connection held here (a snapshot).</summary>
    public IReadOnlyList<HubCallerContext> All => [.. _byDevice.Values.SelectMany(d => d.Values)];

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
