using System.Collections.Concurrent;
using Odin.Contracts;
using Odin.ClusterPrimitives.Observability;

namespace Odin.ClusterPrimitives.Notifications;

/// <summary>The single-node bus: the dispatcher hands each notification straight to this process's gateway, after its history.</summary>
public sealed class InProcessNotificationBus(MemoryNotificationHistory history) : INotificationBus
{
    private readonly ConcurrentDictionary<Guid, Func<NotificationEnvelope, Task>[]> _byTenant = new();

    public Task PublishAsync(NotificationEnvelope envelope)
    {
        history.Append(envelope);
        return PublishLiveAsync(envelope);
    }

    public async Task<IReadOnlyList<Exception?>> PublishBatchAsync(IReadOnlyList<NotificationEnvelope> batch, IReadOnlyList<string?>? traceParents = null)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            using var received = traceParents?[i] is { } traceParent
                ? OdinTracing.StartFrom("notification receive", System.Diagnostics.ActivityKind.Consumer, traceParent)
                : null;
            await PublishAsync(batch[i]);
        }

        return new Exception?[batch.Count];
    }

    public async Task PublishLiveAsync(NotificationEnvelope envelope)
    {
        // The dispatcher publishes an identity's notifications one at a time, in order, so awaiting each handler keeps the order.
        foreach (var handler in _byTenant.GetValueOrDefault(envelope.TenantId, []))
        {
            await handler(envelope);
        }
    }

    public Task<IAsyncDisposable> SubscribeAsync(Guid tenantId, Func<NotificationEnvelope, Task> handler)
    {
        _byTenant.AddOrUpdate(tenantId, _ => [handler], (_, handlers) => [.. handlers, handler]);
        return Task.FromResult<IAsyncDisposable>(new Unsubscriber(this, tenantId, handler));
    }

    private sealed class Unsubscriber(InProcessNotificationBus bus, Guid tenantId, Func<NotificationEnvelope, Task> handler) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            // Removing the last handler removes the identity's entry, so the map holds only identities with a subscriber.
            while (bus._byTenant.TryGetValue(tenantId, out var handlers))
            {
                Func<NotificationEnvelope, Task>[] rest = [.. handlers.Where(h => h != handler)];
                var done = rest.Length == 0
                    ? bus._byTenant.TryRemove(new KeyValuePair<Guid, Func<NotificationEnvelope, Task>[]>(tenantId, handlers))
                    : bus._byTenant.TryUpdate(tenantId, rest, handlers);
                if (done)
                {
                    break;
                }
            }

            return ValueTask.CompletedTask;
        }
    }
}
