using Dapper;
using Odin.Hosting.Caching;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Drives;

public sealed class DriveStore(IDatabase database, Level1Cache cache, TimeProvider time)
{
    /// <summary>Creates a drive; null when the tenant already has one with this alias.</summary>
    public async Task<Drive?> CreateAsync(Guid tenantId, string alias, string name, CancellationToken cancellationToken = default)
    {
        var drive = new Drive { Id = Guid.NewGuid(), Alias = alias, Name = name };
        await using var connection = await database.OpenAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(
            "INSERT INTO drives (tenant_id, id, alias, name, created_at) VALUES (@tenantId, @Id, @Alias, @Name, @now) ON CONFLICT (tenant_id, alias) DO NOTHING",
            new { tenantId, drive.Id, drive.Alias, drive.Name, now = time.GetUtcNow().ToUnixTimeMilliseconds() });
        // No cache entry to fix: the id is new, so no lookup can have cached it as absent.
        return inserted == 1 ? drive : null;
    }

    public async Task<IReadOnlyList<Drive>> ListAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<Drive>(
            "SELECT id AS Id, alias AS Alias, name AS Name FROM drives WHERE tenant_id = @tenantId ORDER BY alias", new { tenantId })];
    }

    /// <summary>The tenant's drive with this alias, if any.</summary>
    public async Task<Guid?> FindByAliasAsync(Guid tenantId, string alias, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<Guid?>("SELECT id FROM drives WHERE tenant_id = @tenantId AND alias = @alias", new { tenantId, alias });
    }

    /// <summary>Asked on every file call: cached (drives are never deleted, only with their tenant).</summary>
    public async Task<bool> ExistsAsync(Guid tenantId, Guid driveId, CancellationToken cancellationToken = default) =>
        await cache.GetOrSetAsync(ExistsKey(tenantId, driveId), async ct =>
        {
            await using var connection = await database.OpenAsync(ct);
            return await connection.ExecuteScalarAsync<int>(
                "SELECT COUNT(*) FROM drives WHERE tenant_id = @tenantId AND id = @driveId", new { tenantId, driveId }) == 1;
        }, isNegative: exists => !exists, cancellationToken: cancellationToken);

    private static string ExistsKey(Guid tenantId, Guid driveId) => Level1Cache.TenantKey("drive-exists", tenantId, driveId.ToString());
}
