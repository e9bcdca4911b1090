namespace Odin.LoadTest;

public static class Statistics
{
    /// <summary>
    /// The median of alternating rounds: robust against one round a noisy neighbour slowed down. With an even count,
    /// the mean of the middle two (with 2 rounds, their mean; not the larger). NaN when empty.
    /// </summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length switch
        {
            0 => double.NaN,
            var n when n % 2 == 1 => sorted[n / 2],
            var n => (sorted[(n / 2) - 1] + sorted[n / 2]) / 2,
        };
    }
}
