using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace Odin.Hosting.Caching;

/// <summary>
/// The small typed cache the stores use for what is read on every request. It is FusionCache with the
/// memory level always and, in a cluster, the Redis level and the Redis backplane: a write goes to the
/// database first and then removes the entry here, and the backplane removes it on every instance.
/// Stampede protection, fail-safe and timeouts are FusionCache's (configured in <see cref="CachingComposition"/>).
/// </summary>
public sealed class Level1Cache(IFusionCache cache, IOptions<Level1CacheOptions> options)
{
    /// <summary>The tag of a tenant's entries set with <see cref="SetAsync{T}"/>, so they can be dropped all at once.</summary>
    public static string TenantTag(Guid tenantId) => $"t:{tenantId}";

    /// <summary>A key within a tenant: <c>{kind}:{tenant}:{id}</c>.</summary>
    public static string TenantKey(string kind, Guid tenantId, string id) => $"{kind}:{tenantId}:{id}";

    /// <summary>
    /// The cached value, or the factory's (run once however many callers ask at once). A result that
    /// <paramref name="isNegative"/> calls "absent" is kept only <see cref="Level1CacheOptions.NegativeDuration"/>.
    /// </summary>
    /// <remarks>
    /// These per-request entries carry no tag: FusionCache checks an entry's tags on every read, which halves
    /// the hit path (docs/benchmarks.md). They need none: a deleted tenant's entries are unreachable (its host
    /// answers 404 before any lookup) and expire after <see cref="Level1CacheOptions.Duration"/>.
    /// </remarks>
    public async ValueTask<T> GetOrSetAsync<T>(
        string key, Func<CancellationToken, Task<T>> factory, Func<T, bool>? isNegative = null, CancellationToken cancellationToken = default)
    {
        // The hit path first: no closure or factory delegate is built when the value is there.
        var hit = await cache.TryGetAsync<T>(key, token: cancellationToken);
        if (hit.HasValue)
        {
            return hit.Value;
        }

        return await cache.GetOrSetAsync<T>(
            key,
            async (context, ct) =>
            {
                var value = await factory(ct);
                if (isNegative?.Invoke(value) == true)
                {
                    context.Options.Duration = options.Value.NegativeDuration;
                }

                return value;
            },
            token: cancellationToken);
    }

    public ValueTask SetAsync<T>(string key, T value, Guid tenantId, CancellationToken cancellationToken = default) =>
        cache.SetAsync(key, value, tags: [TenantTag(tenantId)], token: cancellationToken);

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) => cache.RemoveAsync(key, token: cancellationToken);

    public ValueTask RemoveTenantAsync(Guid tenantId, CancellationToken cancellationToken = default) =>
        cache.RemoveByTagAsync(TenantTag(tenantId), token: cancellationToken);
}
