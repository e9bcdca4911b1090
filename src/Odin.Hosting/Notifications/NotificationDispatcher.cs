using System.Diagnostics;
using Microsoft.Extensions.Options;
using Odin.ClusterPrimitives.Notifications;
using Odin.ClusterPrimitives.Observability;
using Odin.Hosting.Common;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Runs on every instance: publishes the committed outbox rows of the shards this instance holds
/// (<see cref="OutboxShards"/>) on the notification bus, a batch at a time, each tenant's in seq order
/// (see <see cref="NotificationOutbox.PublishPendingAsync"/>). Delivery is at least once: a crash between publishing
/// and marking publishes the batch again, and gateways drop what they delivered already (by seq).
/// </summary>
internal sealed partial class NotificationDispatcher(
    NotificationOutbox outbox,
    OutboxShards shards,
    DispatchSignal signal,
    INotificationBus bus,
    IOptions<NotificationOptions> options,
    NotificationMetrics metrics,
    TimeProvider time,
    ILogger<NotificationDispatcher> logger) : BackgroundService
{
    /// <summary>
    /// At most one warning of failed publishing per this: while Redis is away every commit wakes the dispatcher and
    /// fails again, which logged a line per commit (the metric <c>odin_notifications_publish_failures_total</c> counts each).
    /// </summary>
    private static readonly TimeSpan FailureLogInterval = TimeSpan.FromSeconds(10);

    private readonly LogThrottle _failureLog = new(FailureLogInterval, time);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while ((await PublishBatchAsync(stoppingToken)).More)
                {
                    // rows were pending: there may be more right away
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The rows stay pending and are retried on the next round.
                metrics.Failed();
                if (_failureLog.TryPass(out var held))
                {
                    LogPublishFailed(logger, ex, held);
                }
            }

            await signal.WaitAsync(options.Value.PollInterval, time, stoppingToken);
        }
    }

    internal Task<ClaimOutcome> PublishBatchAsync(CancellationToken cancellationToken) =>
        outbox.PublishPendingAsync(shards.Held, SendAsync, options.Value.BatchSize, cancellationToken);

    /// <summary>
    /// Publishes the batch; answers the rows to mark published: each identity's up to its first that was not handed
    /// over (the rest are published again after it, so its order holds), while other identities' go on.
    /// </summary>
    private async Task<IReadOnlyList<OutboxNotification>> SendAsync(IReadOnlyList<OutboxNotification> batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        // A traced write's notification gets a publish span of its own, under the write's trace; the gateways go on from it.
        var spans = OdinTracing.Source.HasListeners() && batch.Any(n => n.TraceParent is not null)
            ? batch.Select(n => OdinTracing.StartFrom("notification publish", ActivityKind.Producer, n.TraceParent)?.SetTag("odin.seq", n.Seq)).ToList()
            : null;
        IReadOnlyList<Exception?> failures;
        try
        {
            failures = await bus.PublishBatchAsync([.. batch.Select(n => n.ToEnvelope())], spans?.Select(s => s?.Id).ToList());
        }
        finally
        {
            spans?.ForEach(span => span?.Dispose());
        }

        // Of each identity, what went before its first failure: the rest is published again after it, so its order holds.
        var published = NotificationOutbox.Prefixes(batch, [.. batch.Where((_, i) => failures[i] is null)]);
        var stopped = batch.Where((_, i) => failures[i] is not null).Select(n => n.TenantId).ToHashSet();
        metrics.Published(published.Count, Stopwatch.GetElapsedTime(started));
        if (stopped.Count > 0)
        {
            metrics.Failed();
            if (_failureLog.TryPass(out var held))
            {
                LogPartlyPublished(logger, batch.Count - published.Count, stopped.Count, failures.First(f => f is not null)!.Message.Split(';', 2)[0], held);
            }
        }

        return published;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Rows} notifications of {Identities} identities could not be handed to Redis ({Reason}); they stay in the outbox and are retried (failed rounds not logged since the last warning: {Held})")]
    private static partial void LogPartlyPublished(ILogger logger, int rows, int identities, string reason, int held);

    [LoggerMessage(Level = LogLevel.Error, Message = "Publishing notifications failed; they stay in the outbox and are retried (failed rounds not logged since the last warning: {Held})")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, int held);
}
