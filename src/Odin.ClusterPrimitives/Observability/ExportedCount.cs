using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Odin.ClusterPrimitives.Observability;

/// <summary>
/// A count exported as a Prometheus counter, optionally by one label, that is on the page from the first scrape (at 0 for
/// every label value named up front) and that this process can read back (the dashboard's report does; an OpenTelemetry
/// instrument cannot be read).
/// </summary>
/// <remarks>
/// Observed rather than added to a <see cref="Counter{T}"/>: a counter's <c>Add(0)</c> made to put it on the page is lost
/// when the instruments are made before the host's metrics listener starts, as they are when a hosted service depends on them.
/// </remarks>
public sealed class ExportedCount
{
    private readonly string? _label;
    private readonly ConcurrentDictionary<string, StrongBox<long>> _values = new(StringComparer.Ordinal);

    /// <param name="label">The label's name, or null for a count without one.</param>
    /// <param name="labelValues">The label's values exported at 0 before their first event.</param>
    public ExportedCount(Meter meter, string name, string description, string? label = null, IEnumerable<string>? labelValues = null)
    {
        _label = label;
        foreach (var value in label is null ? [""] : labelValues ?? [])
        {
            _values.TryAdd(value, new StrongBox<long>());
        }

        meter.CreateObservableCounter(name, Observe, description: description);
    }

    /// <param name="labelValue">The label's value; ignored for a count without a label.</param>
    public void Add(long count = 1, string? labelValue = null) =>
        Interlocked.Add(ref _values.GetOrAdd(_label is null ? "" : labelValue ?? "", _ => new StrongBox<long>()).Value, count);

    /// <summary>The count of one label value (or the count, without a label).</summary>
    public long Read(string? labelValue = null) =>
        _values.TryGetValue(_label is null ? "" : labelValue ?? "", out var box) ? Interlocked.Read(ref box.Value) : 0;

    private IEnumerable<Measurement<long>> Observe() =>
        _values.Select(v => _label is null
            ? new Measurement<long>(Interlocked.Read(ref v.Value.Value))
            : new Measurement<long>(Interlocked.Read(ref v.Value.Value), new KeyValuePair<string, object?>(_label, v.Key)));
}
