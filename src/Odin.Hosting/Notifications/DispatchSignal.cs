using System.Threading.Channels;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Wakes this instance's dispatcher when a change commits, so delivery does not wait for the next poll.
/// Many notifies before one wait collapse into one wake-up. <see cref="Committed"/> lets
/// <see cref="DispatchWakeRelay"/> wake the other instances too.
/// </summary>
public sealed class DispatchSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Raised when a change committed on this instance.</summary>
    public event Action? Committed;

    /// <summary>A change committed here: wake this dispatcher and tell whoever listens.</summary>
    public void Notify()
    {
        WakeLocal();
        Committed?.Invoke();
    }

    /// <summary>Wakes this dispatcher only (for wake-ups that came from another instance).</summary>
    public void WakeLocal() => _channel.Writer.TryWrite(true);

    /// <summary>Returns when woken (true) or after <paramref name="timeout"/> (false), whichever is first.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            await _channel.Reader.ReadAsync(linked.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false; // the poll interval passed
        }
    }
}
