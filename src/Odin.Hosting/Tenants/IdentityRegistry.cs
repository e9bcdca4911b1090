using System.Collections.Concurrent;

namespace Odin.Hosting.Tenants;

/// <summary>
/// Host name → tenant, answered from memory on every request. An exact domain wins; otherwise the
/// nearest registered parent domain (so <c>app.frodo.example</c> reaches <c>frodo.example</c>), found
/// by walking the host's labels from the left — the dictionary plays the suffix trie's part.
/// The database is the truth: the registry loads it at start-up and is patched on every change
/// made through this instance.
/// </summary>
public sealed class IdentityRegistry(TenantStore store)
{
    private readonly ConcurrentDictionary<string, Tenant> _byDomain = new(StringComparer.OrdinalIgnoreCase);

    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        var tenants = await store.ListAsync(cancellationToken);
        _byDomain.Clear();
        foreach (var tenant in tenants)
        {
            _byDomain[tenant.Domain] = tenant;
        }
    }

    public Tenant? Resolve(string host)
    {
        for (var name = host; ; )
        {
            if (_byDomain.TryGetValue(name, out var tenant))
            {
                return tenant;
            }

            var dot = name.IndexOf('.', StringComparison.Ordinal);
            // Stop before a bare top-level label: tenants always have at least two labels.
            if (dot < 0 || name.IndexOf('.', dot + 1) < 0)
            {
                return null;
            }

            name = name[(dot + 1)..];
        }
    }

    /// <summary>Re-reads one domain from the database after it changed.</summary>
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
        }
    }
}
