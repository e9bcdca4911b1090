namespace Odin.Shared.Revocation;

/// <summary>Devices revoked recently enough that one of their tokens may still be unexpired.</summary>
public interface IRevocationList
{
    Task AddAsync(Guid deviceId, TimeSpan remember);

    /// <summary>True when listed. Answers false rather than failing when the list cannot be reached.</summary>
    Task<bool> ContainsAsync(Guid deviceId);
}
