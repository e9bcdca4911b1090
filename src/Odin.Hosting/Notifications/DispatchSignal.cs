using Odin.Hosting.Common;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Wakes this instance's dispatcher when it has rows to publish, so delivery does not wait for the next poll.
/// <see cref="Committed"/> lets <see cref="DispatchWakeRelay"/> wake the instance that holds the change's shard.
/// </summary>
public sealed class DispatchSignal : WakeSignal
{
    /// <summary>Raised when a change of the identity committed on this instance.</summary>
    public event Action<Guid>? Committed;

    /// <summary>A change of <paramref name="tenantId"/> committed here: wake whoever publishes its shard.</summary>
    public void Notify(Guid tenantId)
    {
        if (Committed is { } committed)
        {
            committed(tenantId);
        }
        else
        {
            WakeLocal(); // nobody routes wake-ups (a test host): this instance's dispatcher looks
        }
    }
}
