using System.Globalization;
using System.Text.RegularExpressions;

namespace Odin.Testing;

/// <summary>Reads one value from a process's Prometheus <c>/metrics</c>, as a monitoring system would.</summary>
public static class PrometheusScrape
{
    /// <summary>
    /// The sum of the samples of <paramref name="metric"/> (all label sets, or those with <paramref name="label"/>, e.g.
    /// <c>reason="draining"</c>); null when it is not exported.
    /// </summary>
    public static async Task<double?> ReadAsync(Uri baseAddress, string metric, string? label = null)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        var text = await http.GetStringAsync("/metrics");
        var samples = Regex.Matches(text, $@"^{Regex.Escape(metric)}(\{{(?<labels>[^}}]*)\}})? (?<value>[0-9.eE+-]+)", RegexOptions.Multiline)
            .Where(m => label is null || m.Groups["labels"].Value.Contains(label, StringComparison.Ordinal)).ToList();
        return samples.Count == 0 ? null : samples.Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
    }
}
