using Odin.Contracts;

namespace Odin.LoadTest.Compare;

/// <summary>One benchmark device: counts what it receives, notes latency, repeats and order.</summary>
public abstract class BenchClient : IAsyncDisposable
{
    private long _lastSeq;
    private int _received;
    private int _duplicates;
    private int _outOfOrder;

    public int Received => Volatile.Read(ref _received);

    public int Duplicates => Volatile.Read(ref _duplicates);

    public int OutOfOrder => Volatile.Read(ref _outOfOrder);

    /// <summary>Called with each notification that arrives in seq order or after a gap (not a repeat, not presence).</summary>
    public Action<NotificationEnvelope>? OnArrival { get; set; }

    protected void Arrived(NotificationEnvelope envelope)
    {
        // One device gets its messages one at a time, so plain fields are enough here.
        if (envelope.Seq == 0)
        {
            return; // presence: live-only events outside the seq order, not what is measured
        }

        if (envelope.Seq == _lastSeq)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        if (envelope.Seq < _lastSeq)
        {
            Interlocked.Increment(ref _outOfOrder);
        }

        _lastSeq = envelope.Seq;
        Interlocked.Increment(ref _received);
        OnArrival?.Invoke(envelope);
    }

    public abstract ValueTask DisposeAsync();
}
