using Microsoft.AspNetCore.SignalR;
using Odin.Gateway.Connections;
using Odin.Shared.Auth;

namespace Odin.Gateway.Hub;

/// <summary>What the gateway remembers about one device connection, kept in <see cref="HubCallerContext.Items"/>.</summary>
internal sealed class DeviceConnection(DeviceIdentity identity, CallBudget budget)
{
    private const string ItemKey = "odin.device";

    public DeviceIdentity Identity { get; } = identity;

    /// <summary>Drives this connection is subscribed to. Hub calls of one connection never run concurrently.</summary>
    public HashSet<Guid> Subscriptions { get; } = [];

    public CallBudget Budget { get; } = budget;

    public static DeviceConnection? Find(HubCallerContext context) =>
        context.Items.TryGetValue(ItemKey, out var value) ? value as DeviceConnection : null;

    public static DeviceConnection Of(HubCallerContext context) =>
        Find(context) ?? throw new HubException("The connection is not authenticated as a device.");

    public void AttachTo(HubCallerContext context) => context.Items[ItemKey] = this;
}
