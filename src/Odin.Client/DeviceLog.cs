using Microsoft.Extensions.Logging;

namespace Odin.Client;

/// <summary>What a device logs, in one place (source-generated, so a disabled level costs nothing).</summary>
internal static partial class DeviceLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "The gateway asks this device to reconnect ({Reason}) after {RetryAfterMs} ms")]
    public static partial void ReconnectAsked(ILogger logger, string reason, int retryAfterMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The token does not grant drives {Drives} (or they are over the limit): they are not followed")]
    public static partial void DrivesRejected(ILogger logger, string drives);

    [LoggerMessage(Level = LogLevel.Information, Message = "The gateway refused the token: fetching a new one")]
    public static partial void TokenRefused(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not connect and subscribe: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The connection ended: {Reason}")]
    public static partial void Ended(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not keep the device's position: reconnecting to resume from the last one kept")]
    public static partial void PositionNotKept(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resync ({Reason}): re-reading /changes after seq {Seq}")]
    public static partial void Resyncing(ILogger logger, string reason, long seq);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-read {Count} changes, through seq {Through}")]
    public static partial void Resynced(ILogger logger, int count, long through);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-read /changes ({Reason}): reconnecting to try again")]
    public static partial void ResyncFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Coming back in {WaitMs} ms")]
    public static partial void Waiting(ILogger logger, long waitMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The server refuses this device for good ({Kind}): {Reason}")]
    public static partial void Refused(ILogger logger, DeviceStopKind kind, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not get a token: {Reason}")]
    public static partial void NoToken(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "More than {Capacity} notifications wait for the app's handler: closing the connection, to resume from the last one taken when it has caught up")]
    public static partial void AppTooSlow(ILogger logger, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "More than {Capacity} notifications arrived before the Subscribe answer: closing the connection to start again")]
    public static partial void TooManyBeforeAnswer(ILogger logger, int capacity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not renew the token yet ({Reason}); the connection goes on with the current one")]
    public static partial void RenewalFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The app's {Handler} handler failed (seq {Seq}); the device goes on with the next")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string handler, long seq);
}
