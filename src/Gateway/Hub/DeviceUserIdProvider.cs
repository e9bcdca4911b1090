using Microsoft.AspNetCore.SignalR;
using Odin.ClusterPrimitives.Auth;

namespace Odin.Gateway.Hub;

/// <summary>SignalR's user id is the device id, so <c>Clients.User(deviceId)</c> reaches all of a device's connections.</summary>
internal sealed class DeviceUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.User.FindFirst(DeviceTokenClaims.DeviceId)?.Value;
}
