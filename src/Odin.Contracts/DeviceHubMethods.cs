namespace Odin.Contracts;

/// <summary>
/// The device hub's methods a device calls (their wire names); what the hub sends back is <see cref="IDeviceClient"/>.
/// </summary>
public static class DeviceHubMethods
{
    /// <summary>Takes a <see cref="SubscribeRequest"/>, answers a <see cref="SubscribeResult"/>.</summary>
    public const string Subscribe = nameof(Subscribe);

    /// <summary>Takes the drive ids (<c>Guid[]</c>) to stop following; answers nothing.</summary>
    public const string Unsubscribe = nameof(Unsubscribe);

    /// <summary>Takes nothing; answers the server's time, Unix milliseconds.</summary>
    public const string Ping = nameof(Ping);
}
