namespace Odin.ClusterPrimitives.Reports;

/// <summary>The last <see cref="Capacity"/> events of one kind, for the instance's report; older ones are forgotten.</summary>
public sealed class RecentEvents
{
    public const int Capacity = 10;

    private readonly Queue<InstanceEvent> _events = new(Capacity);

    public void Record(InstanceEvent recorded)
    {
        lock (_events)
        {
            if (_events.Count == Capacity)
            {
                _events.Dequeue();
            }

            _events.Enqueue(recorded);
        }
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<InstanceEvent> Newest()
    {
        lock (_events)
        {
            return [.. _events.Reverse()];
        }
    }
}
