using System.Collections.Concurrent;

namespace Odin.Shared.Revocation;

/// <summary>The single-node revocation list.</summary>
public sealed class MemoryRevocationList(TimeProvider time) : IRevocationList
{
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _until = new();

    public Task AddAsync(Guid deviceId, TimeSpan remember)
    {
        var now = time.GetUtcNow();
        foreach (var expired in _until.Where(e => e.Value <= now))
        {
            _until.TryRemove(expired);
        }

        _until[deviceId] = now + remember;
        return Task.CompletedTask;
    }

    public Task<bool> ContainsAsync(Guid deviceId) =>
        Task.FromResult(_until.TryGetValue(deviceId, out var until) && until > time.GetUtcNow());
}
