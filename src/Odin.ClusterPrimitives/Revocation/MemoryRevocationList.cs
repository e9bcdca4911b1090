using System.Collections.Concurrent;

namespace Odin.ClusterPrimitives.Revocation;

/// <summary>The single-node revocation list.</summary>
public sealed class MemoryRevocationList(TimeProvider time) : IRevocationList
{
    private readonly ConcurrentDictionary<Revoked, DateTimeOffset> _until = new();

    public Task AddAsync(Revoked revoked, TimeSpan remember)
    {
        var now = time.GetUtcNow();
        foreach (var expired in _until.Where(e => e.Value <= now))
        {
            _until.TryRemove(expired);
        }

        _until[revoked] = now + remember;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(Revoked revoked)
    {
        _until.TryRemove(revoked, out _);
        return Task.CompletedTask;
    }

    public Task<bool> RefusesAsync(Guid tenantId, Guid deviceId) =>
        Task.FromResult(Listed(Revoked.Identity(tenantId)) || Listed(Revoked.Device(tenantId, deviceId)));

    private bool Listed(Revoked revoked) => _until.TryGetValue(revoked, out var until) && until > time.GetUtcNow();
}
