using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Odin.ClusterPrimitives.Observability;

/// <summary>
/// A count exported as a Prometheus counter, optionally by one label, that is on the page from the first scrape (at 0 for
/// every label value named up front) and that this process can read back (the dashboard's report does; an OpenTelemetry
/// instrument cannot be read). A label's values are the ones named up front and <see cref="Other"/>: whatever else is
/// counted (a job type from a newer version's row, say) counts there, so the series stay as few as the code names.
/// </summary>
/// <remarks>
/// Observed rather than added to a <see cref="Counter{T}"/>: a counter's <c>Add(0)</c> made to put it on the page is lost
/// when the instruments are made before the host's metrics listener starts, as they are when a hosted service depends on them.
/// </remarks>
public sealed class ExportedCount
{
    /// <summary>The label value that counts what the values named up front do not.</summary>
    public const string Other = "other";

    private readonly string? _label;

    /// <summary>Fixed once made: the label's values and <see cref="Other"/> (or the one count, without a label).</summary>
    private readonly Dictionary<string, StrongBox<long>> _values = new(StringComparer.Ordinal);

    /// <param name="label">The label's name, or null for a count without one.</param>
    /// <param name="labelValues">The label's values, exported at 0 before their first event.</param>
    public ExportedCount(Meter meter, string name, string description, string? label = null, IEnumerable<string>? labelValues = null)
    {
        _label = label;
        foreach (var value in label is null ? [""] : (labelValues ?? []).Append(Other))
        {
            _values.TryAdd(value, new StrongBox<long>());
        }

        meter.CreateObservableCounter(name, Observe, description: description);
    }

    /// <param name="labelValue">The label's value (one not named up front counts as <see cref="Other"/>); ignored for a count without a label.</param>
    public void Add(long count = 1, string? labelValue = null) => Interlocked.Add(ref Box(labelValue).Value, count);

    /// <summary>The count of one label value (or the count, without a label).</summary>
    public long Read(string? labelValue = null) => Interlocked.Read(ref Box(labelValue).Value);

    private StrongBox<long> Box(string? labelValue) =>
        _label is null ? _values[""] : _values.GetValueOrDefault(labelValue ?? Other) ?? _values[Other];

    private IEnumerable<Measurement<long>> Observe() =>
        _values.Select(v => _label is null
            ? new Measurement<long>(Interlocked.Read(ref v.Value.Value))
            : new Measurement<long>(Interlocked.Read(ref v.Value.Value), new KeyValuePair<string, object?>(_label, v.Key)));
}
