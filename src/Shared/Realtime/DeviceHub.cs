using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Odin.Shared.Realtime;

/// <summary>
/// The device hub. It is declared here, once, because its full type name names the SignalR backplane's
/// Redis channels: the Gateway (which hosts it) and Odin.Hosting (which only publishes through
/// <c>IHubContext&lt;DeviceHub, IDeviceClient&gt;</c>) must share this very type. Its behaviour is
/// supplied by the Gateway through <see cref="IDeviceHubBehavior"/>.
/// </summary>
[Authorize(Policy = DeviceHub.AuthorizationPolicy)]
public sealed class DeviceHub(IDeviceHubBehavior behavior) : Hub<IDeviceClient>
{
    /// <summary>Name of the authorization policy every hub connection must satisfy.</summary>
    public const string AuthorizationPolicy = "odin-device";

    public override Task OnConnectedAsync() => behavior.OnConnectedAsync(this);

    public override Task OnDisconnectedAsync(Exception? exception) => behavior.OnDisconnectedAsync(this, exception);

    public Task<SubscribeResult> Subscribe(SubscribeRequest request) => behavior.SubscribeAsync(this, request);

    public Task Unsubscribe(Guid[] driveIds) => behavior.UnsubscribeAsync(this, driveIds);

    public Task<long> Ping() => behavior.PingAsync(this);
}

/// <summary>What the hub does; implemented by the Gateway.</summary>
public interface IDeviceHubBehavior
{
    Task OnConnectedAsync(Hub<IDeviceClient> hub);

    Task OnDisconnectedAsync(Hub<IDeviceClient> hub, Exception? exception);

    Task<SubscribeResult> SubscribeAsync(Hub<IDeviceClient> hub, SubscribeRequest request);

    Task UnsubscribeAsync(Hub<IDeviceClient> hub, Guid[] driveIds);

    /// <summary>Returns the server's time in Unix milliseconds.</summary>
    Task<long> PingAsync(Hub<IDeviceClient> hub);
}
