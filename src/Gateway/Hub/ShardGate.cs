using Odin.Shared.Notifications;

namespace Odin.Gateway.Hub;

/// <summary>
/// One lock per notification shard. The fan-out holds it while it delivers a shard's notification; a resuming
/// connection takes it to switch from buffered to live, so no live notification overtakes the replay.
/// </summary>
internal sealed class ShardGate
{
    private readonly SemaphoreSlim[] _locks = [.. Enumerable.Range(0, NotificationShards.Count).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<IDisposable> EnterAsync(Guid tenantId)
    {
        var gate = _locks[NotificationShards.Of(tenantId)];
        await gate.WaitAsync();
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
