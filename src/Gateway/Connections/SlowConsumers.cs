using Microsoft.Extensions.Options;

namespace Odin.Gateway.Connections;

/// <summary>What happens to a device that reads slower than its notifications arrive (see <see cref="SendQueue"/>).</summary>
internal sealed partial class SlowConsumers(IOptions<GatewayOptions> options, GatewayMetrics metrics, TimeProvider time, ILogger<SlowConsumers> logger)
{
    public const string Reason = "Notifications arrive faster than this device reads them: connect again and resume from your last seq.";

    /// <summary>Messages one connection may have waiting (<see cref="GatewayOptions.SendQueueLimit"/>).</summary>
    public int Limit => options.Value.SendQueueLimit;

    public TimeProvider Time => time;

    /// <summary>The connection's queue (or its resume buffer) is full: it is told to reconnect and closed.</summary>
    public void Overflowed(string connectionId, SendQueue queue)
    {
        if (queue.IsClosing)
        {
            return; // told already
        }

        LogSlow(logger, connectionId, Limit);
        metrics.SlowConsumer();
        _ = queue.CloseAsync(DeviceMessages.Reconnect(Reason, 0), options.Value.CloseTimeout);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {ConnectionId} closed as a slow consumer: more than {Limit} notifications waited for it")]
    private static partial void LogSlow(ILogger logger, string connectionId, int limit);
}
