using Odin.Contracts;

namespace Odin.Client;

/// <summary>
/// A notification as the app sees it: each seq once, in increasing order.
/// </summary>
/// <param name="Envelope">What the gateway sent, or, with <paramref name="FromChanges"/>, a file's latest change.</param>
/// <param name="FromChanges">
/// True when the device re-read it from <c>/changes</c> after a <c>Resync</c> (the history no longer held the gap): then
/// <see cref="NotificationEnvelope.Type"/> is <c>fileModified</c> or <c>fileDeleted</c> (whether the file was new is not
/// known), <see cref="NotificationEnvelope.Id"/> is empty and <see cref="NotificationEnvelope.Data"/> null, and a file
/// changed more than once while the device was away is raised once, at its latest seq.
/// </param>
public sealed record DeviceNotification(NotificationEnvelope Envelope, bool FromChanges);

/// <summary>What an <see cref="OdinDevice"/> is doing.</summary>
public enum OdinDeviceState
{
    /// <summary>Fetching a token, connecting and subscribing.</summary>
    Connecting,

    /// <summary>Subscribed: notifications flow.</summary>
    Live,

    /// <summary>Re-reading <c>/changes</c> after a <c>Resync</c>.</summary>
    Resyncing,

    /// <summary>The connection ended; waiting (with jitter) before coming back.</summary>
    Reconnecting,

    /// <summary>Stopped, by the app or for good by the server (see <see cref="OdinDevice.Stopped"/>).</summary>
    Stopped,
}

/// <summary>Why a device stopped for good.</summary>
public enum DeviceStopKind
{
    /// <summary>The app stopped it.</summary>
    Stopped,

    /// <summary>The token endpoint refused the device (401): revoked, unknown, or a wrong secret.</summary>
    Revoked,

    /// <summary>The identity is disabled (403).</summary>
    IdentityDisabled,

    /// <summary>No such identity on this server (404): deleted, or a wrong domain.</summary>
    IdentityUnknown,
}

/// <summary>Why a device stopped, and the server's words for it.</summary>
public sealed record DeviceStopReason(DeviceStopKind Kind, string Message);

/// <summary>Thrown by a <see cref="OdinDeviceOptions.TokenProvider"/> (and by <see cref="OdinDevice.StartAsync"/>) when the device may not connect, for good.</summary>
public sealed class OdinRefusedException(DeviceStopKind kind, string message) : Exception(message)
{
    public DeviceStopKind Kind { get; } = kind;
}
