using System.IO.Pipelines;
using System.Net.Sockets;
using Odin.ClusterPrimitives.Redis;
using StackExchange.Redis;

namespace Odin.ClusterPrimitives.Tests;

/// <summary>
/// The exceptions a Redis call was seen to throw when Redis was killed under it count as Redis failures, so the loops
/// that call Redis go on; a fault of the code does not.
/// </summary>
public sealed class RedisFailuresTests
{
    [Fact]
    public void What_a_broken_connection_throws_is_a_Redis_failure()
    {
        Assert.True(RedisFailures.Is(new RedisConnectionException(ConnectionFailureType.SocketFailure, "gone")));
        Assert.True(RedisFailures.Is(new RedisTimeoutException("slow", CommandStatus.Sent)));
        Assert.True(RedisFailures.Is(new SocketException((int)SocketError.ConnectionReset)));
        Assert.True(RedisFailures.Is(new IOException("Connection reset by peer", new SocketException((int)SocketError.ConnectionReset))));
        // What StackExchange.Redis's socket layer threw when Redis was killed under a read.
        Assert.True(RedisFailures.Is(new Pipelines.Sockets.Unofficial.ConnectionResetException("Connection reset by peer", new SocketException((int)SocketError.ConnectionReset))));
        Assert.True(RedisFailures.Is(WritingToACompletedPipe()));
    }

    [Fact]
    public void A_fault_of_the_code_is_not()
    {
        Assert.False(RedisFailures.Is(new InvalidOperationException("a bug")));
        Assert.False(RedisFailures.Is(new KeyNotFoundException("a bug")));
        Assert.False(RedisFailures.Is(new ArgumentException("bad")));
    }

    /// <summary>What StackExchange.Redis's write to a connection that just closed throws: the pipe's own exception.</summary>
    private static InvalidOperationException WritingToACompletedPipe()
    {
        var pipe = new Pipe();
        pipe.Writer.Complete();
        try
        {
            pipe.Writer.GetSpan(16);
        }
        catch (InvalidOperationException ex)
        {
            return ex;
        }

        throw new InvalidOperationException("writing to a completed pipe did not throw");
    }
}
