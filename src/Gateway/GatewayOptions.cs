using System.ComponentModel.DataAnnotations;

namespace Odin.Gateway;

/// <summary>Configuration section <c>Odin:Gateway</c>: limits that protect a gateway from one device or tenant.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Odin:Gateway";

    /// <summary>
    /// Largest hub message a device may send, in bytes. Default 32 KiB: devices only send small
    /// control calls (subscribe, ping), so anything larger is a fault or an attack and ends the connection.
    /// </summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxReceiveMessageSize { get; set; } = 32 * 1024;

    /// <summary>Most drives one connection may be subscribed to. Default 100; beyond it drives are rejected.</summary>
    [Range(1, 100_000)]
    public int MaxSubscriptionsPerConnection { get; set; } = 100;

    /// <summary>Most connections one device may hold on one gateway instance. Default 5 (a device reconnecting overlaps briefly).</summary>
    [Range(1, 10_000)]
    public int MaxConnectionsPerDevice { get; set; } = 5;

    /// <summary>Most connections one tenant's devices may hold on one gateway instance. Default 2000.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnectionsPerTenant { get; set; } = 2000;

    /// <summary>Hub calls a connection may make per second, sustained. Default 20.</summary>
    [Range(1, 100_000)]
    public int HubCallsPerSecond { get; set; } = 20;

    /// <summary>Hub calls a connection may make in a burst. Default 50; a connection over its budget is closed with a reason.</summary>
    [Range(1, 100_000)]
    public int HubCallBurst { get; set; } = 50;

    /// <summary>
    /// How long a stopping gateway (SIGTERM) takes at most to send its devices elsewhere: it reports not ready,
    /// tells them to reconnect in batches spread over half of this, closes what is left and exits. Default 30 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Devices told to reconnect at once while draining. Default 200.</summary>
    [Range(1, 100_000)]
    public int DrainBatchSize { get; set; } = 200;

    /// <summary>
    /// Send <c>deviceConnected</c>/<c>deviceDisconnected</c> to an identity's other devices. Default on. Each
    /// connect reaches every other connection of the identity, so an identity with thousands of devices (a
    /// benchmark's one identity) costs the square of that; turn it off there. The online list works either way.
    /// </summary>
    public bool PresenceEvents { get; set; } = true;

    /// <summary>
    /// Notifications that may wait for one connection while the transport's own buffer (64 KiB) is full because
    /// the device reads slower than they arrive. Default 1000. One more and the device is a slow consumer: told to
    /// reconnect (it resumes from its last seq) and closed, so it neither grows the gateway's memory nor delays
    /// anyone else. The same bound holds for live notifications kept while a device replays its history.
    /// </summary>
    [Range(2, 1_000_000)]
    public int SendQueueLimit { get; set; } = 1000;

    /// <summary>
    /// Whether the messages that wait for one connection when its write completes go out in one write and one
    /// WebSocket frame (up to 64 messages or 16 KiB; SignalR's clients read every message a frame holds). Default on:
    /// a burst of notifications or a history replay costs a device's socket a send or two, not one each. Off: one
    /// write per message, as plain SignalR does.
    /// </summary>
    public bool CoalesceWrites { get; set; } = true;

    /// <summary>
    /// How long a connection being closed (a slow consumer, or a draining gateway's device) gets to take its
    /// last message (<c>Reconnect</c>) before it is cut. Default 5 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long this gateway stays subscribed to an identity's channel after its last device here left. Default
    /// 10 s: a device that reconnects meanwhile (a network change, a token renewal) finds the subscription and the
    /// identity's newest seq still here, and churn does not turn into SSUBSCRIBE/SUNSUBSCRIBE pairs. 0: leave at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan IdentityLinger { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a refused or flooding device is told to wait before reconnecting. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);
}
