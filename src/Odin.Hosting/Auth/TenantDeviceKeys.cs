using System.Collections.Concurrent;
using System.Security.Cryptography;
using Odin.Hosting.Keys;

namespace Odin.Hosting.Auth;

/// <summary>Each identity's device-token signing key (ECDSA P-256).</summary>
public interface ITenantDeviceKeys
{
    Task<ECDsa> GetAsync(Guid tenantId, CancellationToken cancellationToken);
}

/// <summary>Odin's: created once per identity across the cluster by <see cref="KeyStore"/>, stored sealed.</summary>
public sealed class StoredTenantDeviceKeys(KeyStore keys) : ITenantDeviceKeys
{
    private readonly ConcurrentDictionary<Guid, ECDsa> _loaded = new();

    public async Task<ECDsa> GetAsync(Guid tenantId, CancellationToken cancellationToken) =>
        _loaded.TryGetValue(tenantId, out var key)
            ? key
            : _loaded.GetOrAdd(tenantId, (await keys.GetOrCreateAsync(tenantId.ToString(), KeyKind.DeviceToken, cancellationToken)).ToECDsa());
}

/// <summary>Keys made in memory, for tools that mint tokens without a database (the load driver, tests).</summary>
public sealed class GeneratedTenantDeviceKeys : ITenantDeviceKeys
{
    private readonly ConcurrentDictionary<Guid, ECDsa> _keys = new();

    public Task<ECDsa> GetAsync(Guid tenantId, CancellationToken cancellationToken) =>
        Task.FromResult(_keys.GetOrAdd(tenantId, _ => ECDsa.Create(ECCurve.NamedCurves.nistP256)));
}
