using HdrHistogram;

namespace Odin.LoadTest;

/// <summary>Publish-to-device latencies in milliseconds, recorded from many device callbacks at once.</summary>
internal sealed class LatencyHistogram
{
    private readonly LongHistogram _histogram = new(TimeSpan.FromMinutes(1).Ticks, 3);

    /// <summary>A latency known to the millisecond (a notification's <c>At</c>, stamped by the server that wrote it).</summary>
    public void Record(long milliseconds) => Record(TimeSpan.FromMilliseconds(milliseconds));

    public void Record(TimeSpan latency)
    {
        lock (_histogram)
        {
            _histogram.RecordValue(Math.Max(0, latency.Ticks));
        }
    }

    /// <summary>The latency at <paramref name="percentile"/> in ms; NaN when nothing was recorded.</summary>
    public double Percentile(double percentile)
    {
        lock (_histogram)
        {
            return _histogram.TotalCount == 0 ? double.NaN : _histogram.GetValueAtPercentile(percentile) / (double)TimeSpan.TicksPerMillisecond;
        }
    }
}
