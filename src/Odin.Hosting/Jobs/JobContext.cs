using System.Text.Json;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Jobs;

/// <summary>What a handler knows of the run it is doing, and where it puts writes that must commit with it.</summary>
public sealed class JobContext(ClaimedJob job)
{
    private readonly List<Func<WriteTransaction, Task>> _onComplete = [];

    public Guid Id => job.Id;

    public string Type => job.Type;

    public string? Payload => job.Payload;

    /// <summary>This run's number, from 1.</summary>
    public int Attempt => job.Attempts;

    internal IReadOnlyList<Func<WriteTransaction, Task>> CompletionWrites => _onComplete;

    public T PayloadAs<T>() =>
        JsonSerializer.Deserialize<T>(job.Payload ?? throw new InvalidOperationException($"Job {job.Id} has no payload."), JsonSerializerOptions.Web)
        ?? throw new InvalidOperationException($"Job {job.Id}'s payload is null.");

    /// <summary>
    /// Adds a write to the transaction that marks this job done. It commits only if this run still holds the
    /// job's claim, so it happens exactly once even when a run is repeated.
    /// </summary>
    public void OnComplete(Func<WriteTransaction, Task> write) => _onComplete.Add(write);
}
