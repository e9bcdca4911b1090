using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Odin.Contracts;

namespace Odin.Gateway.Hub;

/// <summary>
/// The device hub: its methods are the wire names of <see cref="DeviceHubMethods"/>, and what it sends is
/// <see cref="IDeviceClient"/>. What each call does is <see cref="DeviceHubBehavior"/>'s, a singleton that holds the
/// gateway's state (SignalR makes a hub per call).
/// </summary>
[Authorize(Policy = AuthorizationPolicy)]
internal sealed class DeviceHub(DeviceHubBehavior behavior) : Hub<IDeviceClient>
{
    /// <summary>Name of the authorization policy every hub connection must satisfy.</summary>
    public const string AuthorizationPolicy = "odin-device";

    public override Task OnConnectedAsync() => behavior.OnConnectedAsync(this);

    public override Task OnDisconnectedAsync(Exception? exception) => behavior.OnDisconnectedAsync(this, exception);

    public Task<SubscribeResult> Subscribe(SubscribeRequest request) => behavior.SubscribeAsync(this, request);

    public Task Unsubscribe(Guid[] driveIds) => behavior.UnsubscribeAsync(this, driveIds);

    public Task<long> Ping() => behavior.PingAsync(this);
}
