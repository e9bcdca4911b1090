namespace Odin.Hosting.Cluster.Locks;

/// <summary>
/// A lock on a named resource across every instance (RedLock on Redis in a cluster, in-process on one node).
/// A lock can be lost while held (a pause longer than its expiry, Redis losing the key): work it guards is
/// also fenced in the database, and checks <see cref="ILockHandle.IsHeld"/> right before it commits.
/// </summary>
public interface IDistributedLock
{
    /// <summary>Takes the lock, waiting up to <paramref name="wait"/>; null when another holder kept it that long.</summary>
    Task<ILockHandle?> TryAcquireAsync(string resource, TimeSpan wait, CancellationToken cancellationToken = default);
}

/// <summary>A held lock; released on dispose.</summary>
public interface ILockHandle : IAsyncDisposable
{
    /// <summary>False once the lock may have been lost: do not commit what it guards.</summary>
    bool IsHeld { get; }
}
