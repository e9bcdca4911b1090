using System.Diagnostics;

namespace Odin.LoadTest.Compare;

/// <summary>
/// When the driver published each identity's notifications, by seq, on its monotonic clock: a device's callback
/// reads it back at arrival for a latency to the tick. Every seq from 1 to <c>lastSeq</c> has a slot, written once
/// before its notification is published.
/// </summary>
internal sealed class PublishTimes(int identities, long lastSeq)
{
    private readonly long[][] _timestamps = [.. Enumerable.Range(0, identities).Select(_ => new long[lastSeq + 1])];

    public void Published(int identity, long seq) => Volatile.Write(ref _timestamps[identity][seq], Stopwatch.GetTimestamp());

    /// <summary>Time since <paramref name="identity"/>'s notification <paramref name="seq"/> was published; null for one published before these times were kept.</summary>
    public TimeSpan? Since(int identity, long seq)
    {
        var published = seq < _timestamps[identity].Length ? Volatile.Read(ref _timestamps[identity][seq]) : 0;
        return published == 0 ? null : Stopwatch.GetElapsedTime(published);
    }
}
