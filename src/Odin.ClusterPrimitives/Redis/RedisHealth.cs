using StackExchange.Redis;

namespace Odin.ClusterPrimitives.Redis;

/// <summary>
/// Watches this process's Redis connections (the backplane's and Odin's own): readiness is false while
/// any is down, and every failure is counted for <c>/metrics</c>.
/// </summary>
public sealed class RedisHealth
{
    private readonly List<IConnectionMultiplexer> _connections = [];
    private long _failures;
    private long _restorations;

    public bool IsConnected
    {
        get
        {
            lock (_connections)
            {
                return _connections.All(c => c.IsConnected);
            }
        }
    }

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Connections restored after a failure (StackExchange.Redis reconnects by itself).</summary>
    public long Restorations => Interlocked.Read(ref _restorations);

    public void Watch(IConnectionMultiplexer connection)
    {
        connection.ConnectionFailed += (_, _) => Interlocked.Increment(ref _failures);
        connection.ConnectionRestored += (_, _) => Interlocked.Increment(ref _restorations);
        lock (_connections)
        {
            _connections.Add(connection);
        }
    }
}
