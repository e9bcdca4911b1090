using Microsoft.AspNetCore.SignalR;
using Odin.Shared.Auth;

namespace Odin.Gateway.Hub;

/// <summary>What the gateway remembers about one device connection, kept in <see cref="HubCallerContext.Items"/>.</summary>
internal sealed class DeviceConnection(DeviceIdentity identity)
{
    private const string ItemKey = "odin.device";

    public DeviceIdentity Identity { get; } = identity;

    /// <summary>Drives this connection is subscribed to. Hub calls of one connection never run concurrently.</summary>
    public HashSet<Guid> Subscriptions { get; } = [];

    public static DeviceConnection Of(HubCallerContext context) =>
        context.Items.TryGetValue(ItemKey, out var value) && value is DeviceConnection connection
            ? connection
            : throw new HubException("The connection is not authenticated as a device.");

    public void AttachTo(HubCallerContext context) => context.Items[ItemKey] = this;
}
