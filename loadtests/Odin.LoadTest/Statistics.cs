namespace Odin.LoadTest;

public static class Statistics
{
    /// <summary>The median of alternating rounds: robust against one round a noisy neighbour slowed down. NaN when empty.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
