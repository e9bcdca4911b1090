using Xunit;

namespace Odin.Testing;

/// <summary>A Redis that Odin instances can be pointed at: one server (<see cref="RedisServer"/>) or a Redis Cluster (<see cref="RedisClusterServer"/>).</summary>
public interface IRedisDeployment : IAsyncLifetime
{
    /// <summary>StackExchange.Redis configuration string, as <c>Odin:Redis:Configuration</c> takes it.</summary>
    string ConnectionString { get; }

    /// <summary>PEM of the CA that signed the server certificate (TLS only), as <c>Odin:Redis:TrustedCaPath</c> takes it.</summary>
    string? TrustedCaPath { get; }
}
