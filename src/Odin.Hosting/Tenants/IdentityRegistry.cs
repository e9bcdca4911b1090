using System.Collections.Concurrent;
using Odin.Shared.PubSub;

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
/// the database once (so a tenant created a moment ago on another instance is found at once), and
/// remembered as unknown for <see cref="NegativeCacheTime"/> so random hosts cost little.
/// </remarks>
public sealed class IdentityRegistry(TenantStore store, IPubSubBroker broker, TimeProvider time)
{
    public const string Topic = "registry-changed";

    public static readonly TimeSpan NegativeCacheTime = TimeSpan.FromSeconds(1);

    private const int MaxUnknownHosts = 10_000;

    private readonly ConcurrentDictionary<string, Tenant> _byDomain = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _unknownUntil = new(StringComparer.OrdinalIgnoreCase);

    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        var tenants = await store.ListAsync(cancellationToken);
        var current = tenants.Select(t => t.Domain).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var tenant in tenants)
        {
            _byDomain[tenant.Domain] = tenant;
        }

        foreach (var gone in _byDomain.Keys.Where(d => !current.Contains(d)))
        {
            _byDomain.TryRemove(gone, out _);
        }
    }

    public async ValueTask<Tenant?> ResolveAsync(string host, CancellationToken cancellationToken = default)
    {
        var candidates = Candidates(host);
        foreach (var name in candidates)
        {
            if (_byDomain.TryGetValue(name, out var tenant))
            {
                return tenant;
            }
        }

        var now = time.GetUtcNow();
        if (_unknownUntil.TryGetValue(host, out var until) && until > now)
        {
            return null;
        }

        var found = await store.FindNearestAsync(candidates, cancellationToken);
        if (found is not null)
        {
            _byDomain[found.Domain] = found;
            return found;
        }

        if (_unknownUntil.Count >= MaxUnknownHosts)
        {
            _unknownUntil.Clear();
        }

        _unknownUntil[host] = now + NegativeCacheTime;
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
            _unknownUntil.TryRemove(domain, out _);
        }
    }

    /// <summary>The host and its parent domains, nearest first, down to two labels.</summary>
    private static List<string> Candidates(string host)
    {
        var names = new List<string>();
        for (var name = host; ; )
        {
            names.Add(name);
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0 || name.IndexOf('.', dot + 1) < 0)
            {
                return names;
            }

            name = name[(dot + 1)..];
        }
    }
}
