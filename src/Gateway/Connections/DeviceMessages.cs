using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Odin.Contracts;

namespace Odin.Gateway.Connections;

/// <summary>
/// The server → device messages of <see cref="IDeviceClient"/>, ready for a <see cref="SendQueue"/>. A
/// <see cref="SerializedHubMessage"/> is serialized once per protocol however many connections it goes to.
/// </summary>
internal static class DeviceMessages
{
    public static SerializedHubMessage Notification(NotificationEnvelope envelope) => Invocation(nameof(IDeviceClient.Notification), envelope);

    public static SerializedHubMessage Resync(string reason) => Invocation(nameof(IDeviceClient.Resync), reason);

    public static SerializedHubMessage Reconnect(string reason, int retryAfterMs) => Invocation(nameof(IDeviceClient.Reconnect), reason, retryAfterMs);

    private static SerializedHubMessage Invocation(string target, params object?[] arguments) => new(new InvocationMessage(target, arguments));
}
