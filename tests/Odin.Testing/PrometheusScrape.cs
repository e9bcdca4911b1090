using System.Globalization;
using System.Text.RegularExpressions;

namespace Odin.Testing;

/// <summary>Reads one value from a process's Prometheus <c>/metrics</c>, as a monitoring system would.</summary>
public static class PrometheusScrape
{
    /// <summary>The sum of the samples of <paramref name="metric"/> (all label sets); null when it is not exported.</summary>
    public static async Task<double?> ReadAsync(Uri baseAddress, string metric)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        var text = await http.GetStringAsync("/metrics");
        var samples = Regex.Matches(text, $@"^{Regex.Escape(metric)}(\{{[^}}]*\}})? (?<value>[0-9.eE+-]+)", RegexOptions.Multiline);
        return samples.Count == 0 ? null : samples.Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
    }
}
