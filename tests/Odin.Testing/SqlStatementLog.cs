using System.Collections.Concurrent;
using System.Diagnostics;

namespace Odin.Testing;

/// <summary>
/// Every SQL statement Npgsql runs against one database in this process, read from Npgsql's own
/// tracing (its <c>Npgsql</c> activity source): a count of real statements, not of calls into a store.
/// </summary>
public sealed class SqlStatementLog : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<string> _statements = new();

    public SqlStatementLog(string database)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                var tags = activity.TagObjects.ToDictionary(t => t.Key, t => t.Value?.ToString());
                var db = tags.GetValueOrDefault("db.namespace") ?? tags.GetValueOrDefault("db.name");
                var text = tags.GetValueOrDefault("db.query.text") ?? tags.GetValueOrDefault("db.statement");
                if (db == database && text is not null)
                {
                    _statements.Enqueue(text);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Statements so far whose text contains <paramref name="fragment"/>.</summary>
    public int Count(string fragment) => _statements.Count(s => s.Contains(fragment, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every statement so far.</summary>
    public int Total => _statements.Count;

    public void Dispose() => _listener.Dispose();
}
