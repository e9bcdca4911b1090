using Odin.Hosting.Common;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Wakes this instance's dispatcher when a change commits, so delivery does not wait for the next poll.
/// <see cref="Committed"/> lets <see cref="DispatchWakeRelay"/> wake the other instances too.
/// </summary>
public sealed class DispatchSignal : WakeSignal
{
    /// <summary>Raised when a change committed on this instance.</summary>
    public event Action? Committed;

    /// <summary>A change committed here: wake this dispatcher and tell whoever listens.</summary>
    public void Notify()
    {
        WakeLocal();
        Committed?.Invoke();
    }
}
