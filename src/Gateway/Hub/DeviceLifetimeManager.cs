using Microsoft.AspNetCore.SignalR;
using Odin.Shared.Realtime;

namespace Odin.Gateway.Hub;

/// <summary>
/// SignalR's own lifetime manager, which also hands each new connection's <see cref="HubConnectionContext"/> to the
/// hub (through the connection's items, before <c>OnConnectedAsync</c>): the gateway writes to each device through
/// its own <see cref="Connections.SendQueue"/> rather than through SignalR's group sends, which wait for the
/// slowest member.
/// </summary>
internal sealed class DeviceLifetimeManager(ILogger<DefaultHubLifetimeManager<DeviceHub>> logger) : DefaultHubLifetimeManager<DeviceHub>(logger)
{
    private const string ItemKey = "odin.hub-connection";

    public static HubConnectionContext Of(HubCallerContext context) => (HubConnectionContext)context.Items[ItemKey]!;

    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        connection.Items[ItemKey] = connection;
        return base.OnConnectedAsync(connection);
    }
}
