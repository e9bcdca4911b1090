using System.Collections.Concurrent;
using Odin.Contracts;

namespace Odin.Gateway.Connections;

/// <summary>
/// The device connections this gateway instance holds: by connection id (what a hub call finds), by device (what
/// revocation closes), by identity (what the limits count and presence reaches) and by group (<see cref="HubGroup"/>:
/// whom a notification reaches).
/// </summary>
/// <remarks>
/// A device rarely holds more than one connection (at most <c>MaxConnectionsPerDevice</c>), so its connections are a
/// small array replaced on change rather than a dictionary of their own: with one device per connection, that
/// dictionary was half a kilobyte of every connection's memory.
/// </remarks>
internal sealed class LocalConnections
{
    private readonly ConcurrentDictionary<string, DeviceConnection> _byConnection = new();
    private readonly ConcurrentDictionary<Guid, DeviceConnection[]> _byDevice = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, DeviceConnection>> _byTenant = new();
    private readonly ConcurrentDictionary<HubGroup, ConcurrentDictionary<string, DeviceConnection>> _groups = new();
    private readonly Lock _sets = new(); // adding to a set and dropping it once empty must not interleave
    private long _subscriptions;
    private int _count;

    /// <summary>Drive subscriptions held by this instance's connections.</summary>
    public long Subscriptions => Interlocked.Read(ref _subscriptions);

    public int Count => Volatile.Read(ref _count);

    /// <summary>The connections in <paramref name="group"/> (live: read while they come and go).</summary>
    public IEnumerable<DeviceConnection> Members(HubGroup group) => Live(_groups, group);

    public bool HasMembers(HubGroup group) => _groups.TryGetValue(group, out var members) && !members.IsEmpty;

    /// <summary>Every connection of an identity held here, whether it has subscribed or not.</summary>
    public IEnumerable<DeviceConnection> OfTenant(Guid tenantId) => Live(_byTenant, tenantId);

    /// <param name="subscription">The group is a drive's, joined by <c>Subscribe</c>.</param>
    public void Join(HubGroup group, DeviceConnection connection, bool subscription)
    {
        Put(_groups, group, connection);
        if (subscription)
        {
            Interlocked.Increment(ref _subscriptions);
        }
    }

    public void Leave(HubGroup group, DeviceConnection connection, bool subscription)
    {
        if (Take(_groups, group, connection) && subscription)
        {
            Interlocked.Decrement(ref _subscriptions);
        }
    }

    /// <summary>The connection with this id, if it is a device connection held here.</summary>
    public DeviceConnection? Find(string connectionId) => _byConnection.GetValueOrDefault(connectionId);

    /// <summary>Whether any connection of the identity is held here: for the fan-out, which must not count them (a count locks the set).</summary>
    public bool HoldsDevicesOf(Guid tenantId) => _byTenant.TryGetValue(tenantId, out var c) && !c.IsEmpty;

    private int CountForTenant(Guid tenantId) => _byTenant.TryGetValue(tenantId, out var c) ? c.Count : 0;

    /// <summary>
    /// Adds the connection unless its device, or its identity, already holds as many connections here as allowed; the
    /// counts and the add are one step, so devices connecting at the same moment cannot pass a limit together.
    /// </summary>
    /// <returns>The limit that refused it, or null when it was added.</returns>
    public ConnectionLimit? TryAdd(DeviceConnection connection, int maxPerDevice, int maxPerTenant)
    {
        var (device, tenant) = (connection.Identity.DeviceId, connection.Identity.TenantId);
        lock (_sets)
        {
            var others = _byDevice.GetValueOrDefault(device, []);
            if (others.Length >= maxPerDevice)
            {
                return ConnectionLimit.PerDevice;
            }

            if (CountForTenant(tenant) >= maxPerTenant)
            {
                return ConnectionLimit.PerTenant;
            }

            _byConnection[connection.ConnectionId] = connection;
            _byDevice[device] = [.. others, connection];
            _byTenant.GetOrAdd(tenant, _ => new())[connection.ConnectionId] = connection;
        }

        Interlocked.Increment(ref _count);
        return null;
    }

    public void Remove(DeviceConnection connection)
    {
        Take(_byTenant, connection.Identity.TenantId, connection);
        lock (_sets)
        {
            if (!_byConnection.TryRemove(connection.ConnectionId, out _))
            {
                return;
            }

            var device = connection.Identity.DeviceId;
            var left = _byDevice.TryGetValue(device, out var all) ? Array.FindAll(all, c => c != connection) : [];
            if (left.Length == 0)
            {
                _byDevice.TryRemove(device, out _);
            }
            else
            {
                _byDevice[device] = left;
            }
        }

        Interlocked.Decrement(ref _count);
    }

    /// <summary>Every connection held here (a snapshot).</summary>
    public IReadOnlyList<DeviceConnection> All => [.. _byConnection.Values];

    /// <summary>Closes every connection of a device held here; returns how many.</summary>
    public int Abort(Guid deviceId) => Abort(_byDevice.GetValueOrDefault(deviceId, []));

    /// <summary>Closes every connection of an identity's devices held here; returns how many.</summary>
    public int AbortTenant(Guid tenantId) => Abort(Live(_byTenant, tenantId));

    private static int Abort(IEnumerable<DeviceConnection> connections)
    {
        var aborted = 0;
        foreach (var connection in connections)
        {
            connection.Abort();
            aborted++;
        }

        return aborted;
    }

    private static IEnumerable<DeviceConnection> Live<TKey>(ConcurrentDictionary<TKey, ConcurrentDictionary<string, DeviceConnection>> sets, TKey key)
        where TKey : notnull =>
        // Enumerating a ConcurrentDictionary takes no lock and copies nothing (its Values would do both).
        sets.TryGetValue(key, out var set) ? set.Select(entry => entry.Value) : [];

    private void Put<TKey>(ConcurrentDictionary<TKey, ConcurrentDictionary<string, DeviceConnection>> sets, TKey key, DeviceConnection connection)
        where TKey : notnull
    {
        lock (_sets)
        {
            sets.GetOrAdd(key, _ => new())[connection.ConnectionId] = connection;
        }
    }

    private bool Take<TKey>(ConcurrentDictionary<TKey, ConcurrentDictionary<string, DeviceConnection>> sets, TKey key, DeviceConnection connection)
        where TKey : notnull
    {
        lock (_sets)
        {
            if (!sets.TryGetValue(key, out var set) || !set.TryRemove(connection.ConnectionId, out _))
            {
                return false;
            }

            if (set.IsEmpty)
            {
                sets.TryRemove(key, out _); // an empty set is not kept for every device, identity and group ever seen
            }

            return true;
        }
    }
}

/// <summary>Which of a gateway's connection limits refused a connection.</summary>
internal enum ConnectionLimit
{
    PerDevice,
    PerTenant,
}
