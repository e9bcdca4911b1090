using System.IO.Pipelines;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Odin.ClusterPrimitives.Redis;

/// <summary>
/// What a Redis call throws when Redis is down or slow, for the <c>catch</c> around a Redis call. Not only
/// <see cref="RedisException"/>:
/// <list type="bullet">
/// <item><see cref="RedisTimeoutException"/> is a <see cref="TimeoutException"/>;</item>
/// <item>a connection that breaks under a command can surface as its socket's or its pipe's own exception, not wrapped:
/// a reset socket (an <see cref="IOException"/> or <see cref="SocketException"/>), or a write to a pipe already completed
/// (an <see cref="InvalidOperationException"/> from <see cref="System.IO.Pipelines"/>). Seen when Redis was killed
/// under load: the leader election's loop let one through, and the host stopped.</item>
/// </list>
/// A background loop that catches less than this dies with the first of them, and takes its host with it.
/// </summary>
public static class RedisFailures
{
    private static readonly string PipelinesAssembly = typeof(Pipe).Assembly.GetName().Name!;

    public static bool Is(Exception exception) => exception
        is RedisException or RedisTimeoutException or IOException or SocketException
        || (exception is InvalidOperationException && exception.Source == PipelinesAssembly);
}
