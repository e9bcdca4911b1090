using Dapper;
using Odin.Hosting.Caching;
using Odin.Hosting.Common;
using Odin.Hosting.Storage;
using Odin.ClusterPrimitives.Auth;

namespace Odin.Hosting.Devices;

/// <summary>Devices, their hashed secrets and their per-drive permissions.</summary>
public sealed class DeviceStore(IDatabase database, Level1Cache cache, TimeProvider time)
{
    /// <summary>Registers a device; returns its id and its secret (shown once; only the hash is kept).</summary>
    public async Task<(Guid DeviceId, string Secret)> CreateAsync(
        Guid tenantId, string name, IReadOnlyDictionary<Guid, DrivePermission> drives, CancellationToken cancellationToken = default)
    {
        var deviceId = Guid.NewGuid();
        var secret = Secrets.New("odin_dev_");
        await using var write = await database.BeginWriteAsync(cancellationToken);
        await write.Connection.ExecuteAsync(
            "INSERT INTO devices (tenant_id, id, name, secret_hash, created_at) VALUES (@tenantId, @deviceId, @name, @hash, @now)",
            new { tenantId, deviceId, name, hash = Secrets.Hash(secret), now = time.GetUtcNow().ToUnixTimeMilliseconds() },
            write.Transaction);
        await write.Connection.ExecuteAsync(
            "INSERT INTO device_drives (tenant_id, device_id, drive_id, permission) VALUES (@tenantId, @deviceId, @DriveId, @Permission)",
            drives.Select(d => new { tenantId, deviceId, DriveId = d.Key, Permission = (int)d.Value }),
            write.Transaction);
        await write.CommitAsync(cancellationToken);
        return (deviceId, secret);
    }

    /// <summary>Revokes a device: no new tokens, no REST calls. False when there is no such active device.</summary>
    public async Task<bool> RevokeAsync(Guid tenantId, Guid deviceId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var revoked = await connection.ExecuteAsync(
            "UPDATE devices SET revoked_at = @now WHERE tenant_id = @tenantId AND id = @deviceId AND revoked_at IS NULL",
            new { tenantId, deviceId, now = time.GetUtcNow().ToUnixTimeMilliseconds() }) == 1;
        await cache.RemoveAsync(ActiveKey(tenantId, deviceId), cancellationToken); // database first, then every instance's cache
        return revoked;
    }

    /// <summary>Asked on every device REST call: cached, and removed on every instance when the device is revoked.</summary>
    public async Task<bool> IsActiveAsync(Guid tenantId, Guid deviceId, CancellationToken cancellationToken = default) =>
        await cache.GetOrSetAsync(ActiveKey(tenantId, deviceId), async ct =>
        {
            await using var connection = await database.OpenAsync(ct);
            return await connection.ExecuteScalarAsync<int>(
                "SELECT COUNT(*) FROM devices WHERE tenant_id = @tenantId AND id = @deviceId AND revoked_at IS NULL",
                new { tenantId, deviceId }) == 1;
        }, isNegative: active => !active, cancellationToken: cancellationToken);

    private static string ActiveKey(Guid tenantId, Guid deviceId) => Level1Cache.TenantKey("device-active", tenantId, deviceId.ToString());

    /// <summary>The device's drive grants when <paramref name="secret"/> is its secret and it is not revoked; otherwise null.</summary>
    public async Task<IReadOnlyDictionary<Guid, DrivePermission>?> AuthenticateAsync(
        Guid tenantId, Guid deviceId, string secret, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var hash = await connection.ExecuteScalarAsync<string?>(
            "SELECT secret_hash FROM devices WHERE tenant_id = @tenantId AND id = @deviceId AND revoked_at IS NULL",
            new { tenantId, deviceId });
        if (hash is null || !Secrets.HashMatches(secret, hash))
        {
            return null;
        }

        var grants = await connection.QueryAsync<GrantRow>(
            "SELECT drive_id AS DriveId, permission AS Permission FROM device_drives WHERE tenant_id = @tenantId AND device_id = @deviceId",
            new { tenantId, deviceId });
        return grants.ToDictionary(g => g.DriveId, g => (DrivePermission)g.Permission);
    }

    private sealed class GrantRow
    {
        public Guid DriveId { get; init; }

        public int Permission { get; init; }
    }
}
