using System.Threading.Channels;

namespace Odin.Hosting.Common;

/// <summary>
/// Wakes one background loop early instead of at its next poll. Many wake-ups before one wait collapse into
/// one; a wake-up that nobody waits for is kept for the next wait, so none is lost between two polls.
/// </summary>
public class WakeSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Wakes this instance's loop only.</summary>
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
