using Microsoft.Extensions.Options;
using Odin.ClusterPrimitives.Redis;
using RedLockNet;
using RedLockNet.SERedis;
using RedLockNet.SERedis.Configuration;
using StackExchange.Redis;

namespace Odin.Hosting.Cluster.Locks;

/// <summary>
/// RedLock.net on Odin's Redis connection. The key is <see cref="RedisNames.Lock"/>; RedLock.net extends it
/// while the handle lives and reports a failed extension through <c>IsAcquired</c>.
/// </summary>
public sealed class RedLockDistributedLock : IDistributedLock, IDisposable
{
    private readonly RedLockFactory _factory;
    private readonly RedisNames _names;
    private readonly LockOptions _options;

    public RedLockDistributedLock(IConnectionMultiplexer redis, RedisNames names, IOptions<LockOptions> options)
    {
        _factory = RedLockFactory.Create([new RedLockMultiplexer(redis) { RedisKeyFormat = "{0}" }]);
        _names = names;
        _options = options.Value;
    }

    public async Task<ILockHandle?> TryAcquireAsync(string resource, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var redLock = await _factory.CreateLockAsync(_names.Lock(resource), _options.Expiry, wait, _options.Retry, cancellationToken);
        if (redLock.IsAcquired)
        {
            return new Handle(redLock);
        }

        redLock.Dispose();
        return null;
    }

    public void Dispose() => _factory.Dispose();

    private sealed class Handle(IRedLock redLock) : ILockHandle
    {
        public bool IsHeld => redLock.IsAcquired;

        public ValueTask DisposeAsync()
        {
            redLock.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
