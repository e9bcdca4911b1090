using System.ComponentModel.DataAnnotations;

namespace Odin.Gateway;

/// <summary>Configuration section <c>Odin:Gateway</c>: limits that protect a gateway from one device.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Odin:Gateway";

    /// <summary>
    /// Largest hub message a device may send, in bytes. Default 32 KiB: devices only send small
    /// control calls (subscribe, ping), so anything larger is a fault or an attack.
    /// </summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxReceiveMessageSize { get; set; } = 32 * 1024;

    /// <summary>Most drives one connection may be subscribed to. Default 100; beyond it drives are rejected.</summary>
    [Range(1, 100_000)]
    public int MaxSubscriptionsPerConnection { get; set; } = 100;
}
