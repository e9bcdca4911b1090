using System.Collections.Concurrent;
using System.Security.Cryptography;
using Odin.Hosting.Keys;

namespace Odin.Hosting.Auth;

/// <summary>Each identity's device-token signing key (ECDSA P-256).</summary>
public interface ITenantDeviceKeys
{
    Task<ECDsa> GetAsync(Guid tenantId, CancellationToken cancellationToken);
}

/// <summary>
/// Odin's: created once per identity across the cluster by <see cref="KeyStore"/>, stored sealed. Asked only when
/// <see cref="DeviceTokenIssuer"/> has no signer for the identity yet (it keeps them), and the store keeps what it read.
/// </summary>
public sealed class StoredTenantDeviceKeys(KeyStore keys) : ITenantDeviceKeys
{
    public async Task<ECDsa> GetAsync(Guid tenantId, CancellationToken cancellationToken) =>
        (await keys.GetOrCreateAsync(tenantId.ToString(), KeyKind.DeviceToken, cancellationToken)).ToECDsa();
}

/// <summary>Keys made in memory, for tools that mint tokens without a database (the load driver, tests).</summary>
public sealed class GeneratedTenantDeviceKeys : ITenantDeviceKeys
{
    private readonly ConcurrentDictionary<Guid, ECDsa> _keys = new();

    public Task<ECDsa> GetAsync(Guid tenantId, CancellationToken cancellationToken) =>
        Task.FromResult(_keys.GetOrAdd(tenantId, _ => ECDsa.Create(ECCurve.NamedCurves.nistP256)));
}
