using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Odin.ClusterPrimitives.Redis;

namespace Odin.Hosting.Acme;

/// <summary>
/// HTTP-01 answers, in the distributed cache (Redis in a cluster), so whichever instance the certificate
/// authority reaches answers <c>/.well-known/acme-challenge/{token}</c>. Read from Redis every time, with no
/// memory level and no soft timeout: a slow read must not become a wrong answer to the CA.
/// </summary>
public sealed class Http01Challenges(IDistributedCache cache, RedisNames names)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public Task SetAsync(string token, string keyAuthorization, CancellationToken cancellationToken) =>
        cache.SetAsync(Key(token), Encoding.UTF8.GetBytes(keyAuthorization), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = Lifetime }, cancellationToken);

    public Task RemoveAsync(string token) => cache.RemoveAsync(Key(token));

    public async Task<string?> FindAsync(string token, CancellationToken cancellationToken) =>
        await cache.GetAsync(Key(token), cancellationToken) is { } answer ? Encoding.UTF8.GetString(answer) : null;

    private string Key(string token) => names.AcmeChallenge(token);
}
