namespace Odin.Gateway.Connections;

/// <summary>
/// A token bucket for one connection's hub calls: <c>burst</c> calls at once, refilled at <c>perSecond</c>.
/// Not thread-safe: SignalR runs one connection's calls one at a time.
/// </summary>
internal sealed class CallBudget(int perSecond, int burst, TimeProvider time)
{
    private double _tokens = burst;
    private long _last = time.GetTimestamp();

    public bool TrySpend()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(burst, _tokens + (time.GetElapsedTime(_last, now).TotalSeconds * perSecond));
        _last = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
