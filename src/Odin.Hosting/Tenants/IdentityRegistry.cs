using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Odin.ClusterPrimitives.PubSub;

namespace Odin.Hosting.Tenants;

/// <summary>
/// Host name → tenant, answered from memory on every request. An exact domain wins; otherwise the
/// nearest registered parent domain (so <c>app.frodo.example</c> reaches <c>frodo.example</c>), found by
/// walking the host's labels from the left — the dictionary plays the suffix trie's part.
/// </summary>
/// <remarks>
/// The database is the truth. Every instance loads it at start-up; a change made on any instance is
/// announced on the broker and every instance re-reads that domain (<see cref="RegistrySync"/>), and a
/// periodic full reload repairs anything an announcement missed. A host not in memory is looked up in
/// the database with one query (so a tenant created a moment ago on another instance is found at once),
/// and remembered as unknown for <see cref="NegativeCacheTime"/> so random hosts cost little. Hosts come
/// from anyone: callers pass only names <see cref="DomainName"/> accepted (at most 253 characters), and
/// the unknown-host memo is bounded in bytes, so a flood of distinct hosts cannot grow memory.
/// </remarks>
public sealed class IdentityRegistry(TenantStore store, IPubSubBroker broker) : IDisposable
{
    public const string Topic = "registry-changed";

    public static readonly TimeSpan NegativeCacheTime = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Bound of the unknown-host memo, in bytes (an entry is counted as its name's characters plus
    /// <see cref="UnknownEntryOverhead"/>): at most about 12 000 entries of the longest names, about 50 000
    /// of ordinary ones. A full memo refuses new entries and is compacted; those hosts just cost their query.
    /// </summary>
    public const long MaxUnknownHostBytes = 8 * 1024 * 1024;

    private const int UnknownEntryOverhead = 160;

    private readonly ConcurrentDictionary<string, Tenant> _byDomain = new(StringComparer.Ordinal);

    private readonly MemoryCache _unknown = new(new MemoryCacheOptions
    {
        SizeLimit = MaxUnknownHostBytes,
        ExpirationScanFrequency = TimeSpan.FromSeconds(10),
    });

    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        var tenants = await store.ListAsync(cancellationToken);
        var current = tenants.Select(t => t.Domain).ToHashSet(StringComparer.Ordinal);
        foreach (var tenant in tenants)
        {
            _byDomain[tenant.Domain] = tenant;
        }

        foreach (var gone in _byDomain.Keys.Where(d => !current.Contains(d)))
        {
            _byDomain.TryRemove(gone, out _);
        }
    }

    /// <summary>The tenant serving <paramref name="domain"/>, a name normalized by <see cref="DomainName"/>.</summary>
    public async ValueTask<Tenant?> ResolveAsync(string domain, CancellationToken cancellationToken = default)
    {
        if (Known(domain) is { } known)
        {
            return known;
        }

        if (_unknown.TryGetValue(domain, out _))
        {
            return null;
        }

        var found = await store.FindNearestAsync(DomainName.WithParents(domain), cancellationToken);
        if (found is not null)
        {
            _byDomain[found.Domain] = found;
            return found;
        }

        _unknown.Set(domain, true, new MemoryCacheEntryOptions
        {
            AbsoluteExpirationRelativeToNow = NegativeCacheTime,
            Size = domain.Length * sizeof(char) + UnknownEntryOverhead,
        });
        return null;
    }

    /// <summary>The tenant serving <paramref name="domain"/> as this instance knows it now, without asking the database.</summary>
    public Tenant? Known(string domain)
    {
        foreach (var name in DomainName.WithParents(domain))
        {
            if (_byDomain.TryGetValue(name, out var tenant))
            {
                return tenant;
            }
        }

        return null;
    }

    /// <summary>Re-reads one domain here and tells every other instance to do the same.</summary>
    public async Task ChangedAsync(string domain, CancellationToken cancellationToken = default)
    {
        await RefreshAsync(domain, cancellationToken);
        await broker.PublishAsync(Topic, domain);
    }

    /// <summary>Re-reads one domain from the database.</summary>
    public async Task RefreshAsync(string domain, CancellationToken cancellationToken = default)
    {
        var tenant = await store.FindByDomainAsync(domain, cancellationToken);
        if (tenant is null)
        {
            _byDomain.TryRemove(domain, out _);
        }
        else
        {
            _byDomain[domain] = tenant;
            _unknown.Remove(domain);
        }
    }

    public void Dispose() => _unknown.Dispose();
}
