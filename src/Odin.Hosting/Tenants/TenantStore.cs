using Dapper;
using Odin.Hosting.Caching;
using Odin.Hosting.Common;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Tenants;

/// <summary>Tenants and their owner tokens in the database: the source of truth the registry mirrors.</summary>
public sealed class TenantStore(IDatabase database, Level1Cache cache, TimeProvider time)
{
    private const string Columns = "id AS Id, domain AS Domain, disabled <> 0 AS Disabled";

    /// <summary>Creates a tenant and its first owner token. Null when the domain is taken.</summary>
    public async Task<(Tenant Tenant, string OwnerToken)?> CreateAsync(string domain, CancellationToken cancellationToken = default)
    {
        var tenant = new Tenant { Id = Guid.NewGuid(), Domain = domain };
        var ownerToken = Secrets.New("odin_owner_");
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var write = await database.BeginWriteAsync(cancellationToken);
        var inserted = await write.Connection.ExecuteAsync(
            "INSERT INTO tenants (id, domain, disabled, created_at) VALUES (@Id, @Domain, 0, @Now) ON CONFLICT (domain) DO NOTHING",
            new { tenant.Id, tenant.Domain, Now = now }, write.Transaction);
        if (inserted == 0)
        {
            return null;
        }

        await write.Connection.ExecuteAsync(
            "INSERT INTO owner_tokens (token_hash, tenant_id, created_at) VALUES (@Hash, @TenantId, @Now)",
            new { Hash = Secrets.Hash(ownerToken), TenantId = tenant.Id, Now = now }, write.Transaction);
        await write.CommitAsync(cancellationToken);
        return (tenant, ownerToken);
    }

    public async Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<Tenant>($"SELECT {Columns} FROM tenants")];
    }

    public async Task<Tenant?> FindByDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Tenant>($"SELECT {Columns} FROM tenants WHERE domain = @domain", new { domain });
    }

    /// <summary>The tenant whose domain is the first of <paramref name="domains"/> (nearest first) that exists.</summary>
    /// <remarks>One indexed query whatever the number of names; the longest match is the nearest.</remarks>
    public async Task<Tenant?> FindNearestAsync(IReadOnlyList<string> domains, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // Dapper sends a list to PostgreSQL as one array parameter and expands it for SQLite.
        var match = database.Provider == DatabaseProvider.Postgres ? "domain = ANY(@domains)" : "domain IN @domains";
        var found = await connection.QueryAsync<Tenant>($"SELECT {Columns} FROM tenants WHERE {match}", new { domains = domains.ToArray() });
        return found.MaxBy(t => t.Domain.Length);
    }

    /// <summary>Sets the disabled flag; the tenant's id, or null when no such tenant.</summary>
    public async Task<Guid?> SetDisabledAsync(string domain, bool disabled, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Guid?>(
            "UPDATE tenants SET disabled = @flag WHERE domain = @domain RETURNING id", new { domain, flag = disabled ? 1 : 0 });
    }

    /// <summary>Deletes a tenant and, by cascade, everything it owns; its id, or null when no such tenant.</summary>
    public async Task<Guid?> DeleteAsync(string domain, CancellationToken cancellationToken = default)
    {
        // Its cached lookups need no removal: its host answers 404 from now on, before any of them is asked.
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Guid?>("DELETE FROM tenants WHERE domain = @domain RETURNING id", new { domain });
    }

    /// <summary>True when <paramref name="ownerToken"/> is an owner token of <paramref name="tenantId"/>.</summary>
    /// <remarks>Asked on every owner call: cached by the token's hash (never the token itself).</remarks>
    public async Task<bool> IsOwnerTokenAsync(Guid tenantId, string ownerToken, CancellationToken cancellationToken = default)
    {
        var hash = Secrets.Hash(ownerToken);
        return await cache.GetOrSetAsync(Level1Cache.TenantKey("owner-token", tenantId, hash), async ct =>
        {
            await using var connection = await database.OpenAsync(ct);
            return await connection.ExecuteScalarAsync<int>(
                "SELECT COUNT(*) FROM owner_tokens WHERE token_hash = @hash AND tenant_id = @tenantId", new { hash, tenantId }) == 1;
        }, isNegative: valid => !valid, cancellationToken: cancellationToken);
    }
}
