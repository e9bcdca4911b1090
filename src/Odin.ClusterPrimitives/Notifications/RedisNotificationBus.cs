using System.Diagnostics;
using Odin.ClusterPrimitives.Observability;
using Odin.Contracts;
using Odin.ClusterPrimitives.Redis;
using StackExchange.Redis;

namespace Odin.ClusterPrimitives.Notifications;

/// <summary>
/// The cluster bus: one sharded pub/sub channel per identity (<see cref="RedisNames.IdentityChannel"/>, SPUBLISH and
/// SSUBSCRIBE). A message touches the one Redis (Cluster shard) that owns the identity's slot and reaches only the
/// gateways subscribed to the identity. Redis delivers a channel's messages in publish order and a
/// <see cref="ChannelMessageQueue"/> hands them over one at a time, so an identity's notifications reach each
/// gateway in seq order. Pub/sub is at most once: what a gateway misses while disconnected is in the history (and
/// always in the database, <c>/changes</c>).
/// </summary>
/// <remarks>Each notification goes into its identity's history in the same script that publishes it (<see cref="RedisNotificationHistory"/>).</remarks>
public sealed class RedisNotificationBus(IConnectionMultiplexer redis, RedisNames names, RedisNotificationHistory history) : INotificationBus
{
    public Task PublishAsync(NotificationEnvelope envelope) => PublishCountedAsync(envelope);

    /// <summary>Publishes as <see cref="PublishAsync"/> does; returns how many gateways Redis delivered it to (for the benchmarks).</summary>
    public Task<long> PublishCountedAsync(NotificationEnvelope envelope) => history.AppendAndPublishAsync([envelope], Channel(envelope.TenantId));

    /// <summary>
    /// One script per identity (its notifications of the batch, in order: all published or none), and every script issued
    /// before any is awaited: StackExchange.Redis writes them to each server in call order, and the identities' Redis
    /// shards answer side by side.
    /// </summary>
    public async Task<IReadOnlyList<Exception?>> PublishBatchAsync(IReadOnlyList<NotificationEnvelope> batch, IReadOnlyList<string?>? traceParents = null)
    {
        var byIdentity = batch.Select((envelope, index) => (envelope, index)).GroupBy(e => e.envelope.TenantId).ToList();
        var sent = byIdentity.Select(identity => history.AppendAndPublishAsync(
            [.. identity.Select(e => e.envelope)], Channel(identity.Key), traceParents is null ? null : [.. identity.Select(e => traceParents[e.index])])).ToArray();
        var failures = new Exception?[batch.Count];
        for (var i = 0; i < sent.Length; i++)
        {
            try
            {
                await sent[i];
            }
            catch (Exception ex) when (RedisFailures.Is(ex))
            {
                foreach (var (_, index) in byIdentity[i])
                {
                    failures[index] = ex; // this identity's stay pending (its Redis shard is away); the others count
                }
            }
        }

        return failures;
    }

    public Task PublishLiveAsync(NotificationEnvelope envelope) =>
        redis.GetSubscriber().PublishAsync(Channel(envelope.TenantId), NotificationWire.Write(envelope));

    public async Task<IAsyncDisposable> SubscribeAsync(Guid tenantId, Func<NotificationEnvelope, Task> handler)
    {
        var subscriber = redis.GetSubscriber();
        ChannelMessageQueue queue;
        try
        {
            // Returns once Redis has answered the SSUBSCRIBE: from then on, every SPUBLISH of the channel reaches the queue.
            queue = await subscriber.SubscribeAsync(Channel(tenantId));
        }
        catch (Exception ex) when (RedisFailures.Is(ex))
        {
            // StackExchange.Redis registers the queue before it sends SSUBSCRIBE, and would subscribe it again on
            // reconnect with nobody reading it: unregister everything of this channel (only this subscription uses it).
            await subscriber.UnsubscribeAsync(Channel(tenantId)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        queue.OnMessage(async message =>
        {
            var payload = (byte[])message.Message!;
            if (NotificationWire.Read(payload) is { } envelope && envelope.TenantId == tenantId)
            {
                // A traced notification's trace goes on here: what the handler does (the fan-out) is part of it.
                using var received = OdinTracing.Source.HasListeners()
                    ? OdinTracing.StartFrom("notification receive", ActivityKind.Consumer, NotificationWire.TraceParentOf(payload))
                    : null;
                received?.SetTag("odin.seq", envelope.Seq);
                await handler(envelope);
            }
        });
        return new Subscription(queue);
    }

    private RedisChannel Channel(Guid tenantId) => RedisChannel.Sharded(names.IdentityChannel(tenantId));

    private sealed class Subscription(ChannelMessageQueue queue) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await queue.UnsubscribeAsync();
            }
            finally
            {
                // When the SUNSUBSCRIBE failed, the queue was not completed: this completes it (and is a no-op otherwise),
                // so its reading loop ends instead of holding the handler for ever.
                queue.Unsubscribe();
            }
        }
    }
}
