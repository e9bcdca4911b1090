using System.Collections.Concurrent;

namespace Odin.Hosting.Cluster.Locks;

/// <summary>One node: a semaphore per resource. It cannot be lost while held.</summary>
public sealed class InProcessDistributedLock : IDistributedLock
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();

    public async Task<ILockHandle?> TryAcquireAsync(string resource, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var semaphore = _locks.GetOrAdd(resource, _ => new SemaphoreSlim(1, 1));
        return await semaphore.WaitAsync(wait, cancellationToken) ? new Handle(semaphore) : null;
    }

    private sealed class Handle(SemaphoreSlim semaphore) : ILockHandle
    {
        private int _released;

        public bool IsHeld => Volatile.Read(ref _released) == 0;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }

            return ValueTask.CompletedTask;
        }
    }
}
