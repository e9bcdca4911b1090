namespace Odin.ClusterPrimitives.Revocation;

/// <summary>
/// What gateways refuse while a token for it may still be unexpired: one revoked device, or every device
/// of a disabled or deleted identity.
/// </summary>
public interface IRevocationList
{
    Task AddAsync(Revoked revoked, TimeSpan remember);

    /// <summary>Lifts an identity's entry (it was enabled again); its devices' unexpired tokens work again.</summary>
    Task RemoveAsync(Revoked revoked);

    /// <summary>
    /// True when the device or its identity is listed (one look-up for both). Answers false rather than
    /// failing when the list cannot be reached.
    /// </summary>
    Task<bool> RefusesAsync(Guid tenantId, Guid deviceId);
}
