using Microsoft.Extensions.Options;
using Odin.ClusterPrimitives.Reports;

namespace Odin.Gateway.Connections;

/// <summary>
/// What happens to a device that reads slower than its notifications arrive (see <see cref="SendQueue"/>); the last
/// ones closed are listed on the dashboard.
/// </summary>
internal sealed partial class SlowConsumers(
    IOptions<GatewayOptions> options, LocalConnections connections, GatewayMetrics metrics, TimeProvider time, ILogger<SlowConsumers> logger) : IRecentEvents
{
    public const string EventKind = "slow-consumer";

    private readonly RecentEvents _recent = new();

    public const string Reason = "Notifications arrive faster than this device reads them: connect again and resume from your last seq.";

    /// <summary>Messages one connection may have waiting (<see cref="GatewayOptions.SendQueueLimit"/>).</summary>
    public int Limit => options.Value.SendQueueLimit;

    public TimeProvider Time => time;

    /// <summary>Whether what waits goes out in one write (<see cref="GatewayOptions.CoalesceWrites"/>).</summary>
    public bool CoalesceWrites => options.Value.CoalesceWrites;

    /// <summary>The connection's queue (or its resume buffer) is full: it is told to reconnect and closed.</summary>
    public void Overflowed(string connectionId, SendQueue queue)
    {
        if (!queue.FirstOverflow())
        {
            return; // told already
        }

        LogSlow(logger, connectionId, Limit);
        metrics.SlowConsumer();
        var identity = connections.Find(connectionId)?.Identity;
        _recent.Record(new InstanceEvent(time.GetUtcNow(), EventKind, identity is null
            ? $"connection {connectionId}: more than {Limit} notifications waited"
            : $"{identity.Domain}, device {identity.DeviceId}: more than {Limit} notifications waited"));
        _ = queue.CloseAsync(DeviceMessages.Reconnect(Reason, 0), options.Value.CloseTimeout);
    }

    public IEnumerable<InstanceEvent> Recent => _recent.Newest();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {ConnectionId} closed as a slow consumer: more than {Limit} notifications waited for it")]
    private static partial void LogSlow(ILogger logger, string connectionId, int limit);
}
