using System.Diagnostics.Metrics;
using Odin.ClusterPrimitives.Observability;

namespace Odin.ClusterPrimitives.Tests;

public sealed class ExportedCountTests
{
    /// <summary>
    /// A label's values are the ones the code names and "other": a value from outside (a job type a newer version wrote,
    /// say) counts as "other", so what a row or a peer hands in cannot add series to the page.
    /// </summary>
    [Fact]
    public void A_label_value_not_named_up_front_counts_as_other_and_adds_no_series()
    {
        using var meter = new Meter($"test-{Guid.NewGuid():N}");
        var count = new ExportedCount(meter, "odin.test.runs", "runs", "type", ["a", "b"]);
        count.Add(labelValue: "a");
        foreach (var i in Enumerable.Range(0, 100))
        {
            count.Add(labelValue: $"unknown-{i}");
        }

        Assert.Equal(1, count.Read("a"));
        Assert.Equal(0, count.Read("b"));
        Assert.Equal(100, count.Read(ExportedCount.Other));
        Assert.Equal(100, count.Read("unknown-7")); // read as what it counted toward

        var series = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => series[(string)tags[0].Value!] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(new Dictionary<string, long> { ["a"] = 1, ["b"] = 0, [ExportedCount.Other] = 100 }, series);
    }
}
