using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Odin.Contracts;

namespace Odin.Gateway.Hub;

/// <summary>
/// SignalR's own lifetime manager, which also hands each new connection's <see cref="HubConnectionContext"/> to the
/// hub (<see cref="Take"/>, in <c>OnConnectedAsync</c>): the gateway writes to each device through its own
/// <see cref="Connections.SendQueue"/> rather than through SignalR's group sends, which wait for the slowest member.
/// </summary>
/// <remarks>
/// The hand-over is a dictionary of the connections between the two calls, not the connection's <c>Items</c>: a
/// connection's first item makes it a dictionary of its own for the connection's whole life.
/// </remarks>
internal sealed class DeviceLifetimeManager(ILogger<DefaultHubLifetimeManager<DeviceHub>> logger) : DefaultHubLifetimeManager<DeviceHub>(logger)
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _arriving = new();

    /// <summary>The connection the hub's <c>OnConnectedAsync</c> is called for (once: it is not kept here after).</summary>
    public HubConnectionContext Take(string connectionId) =>
        _arriving.TryRemove(connectionId, out var connection) ? connection : throw new InvalidOperationException($"Connection {connectionId} is not arriving.");

    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        _arriving[connection.ConnectionId] = connection;
        return base.OnConnectedAsync(connection);
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        _arriving.TryRemove(connection.ConnectionId, out _); // refused before the hub took it
        return base.OnDisconnectedAsync(connection);
    }
}
