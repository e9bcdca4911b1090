using Odin.Shared.Realtime;

namespace Odin.Shared.Notifications;

/// <summary>The single-node bus: the dispatcher hands each notification straight to this process's gateway, after its history.</summary>
public sealed class InProcessNotificationBus(MemoryNotificationHistory history) : INotificationBus
{
    private volatile Func<NotificationEnvelope, Task>[] _handlers = [];

    public async Task PublishAsync(NotificationEnvelope envelope)
    {
        history.Append(envelope);
        // The dispatcher publishes one shard at a time, in order, so awaiting each handler keeps the order.
        foreach (var handler in _handlers)
        {
            await handler(envelope);
        }
    }

    public Task<IAsyncDisposable> SubscribeAsync(Func<NotificationEnvelope, Task> handler)
    {
        lock (this)
        {
            _handlers = [.. _handlers, handler];
        }

        return Task.FromResult<IAsyncDisposable>(new Unsubscriber(this, handler));
    }

    private sealed class Unsubscriber(InProcessNotificationBus bus, Func<NotificationEnvelope, Task> handler) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            lock (bus)
            {
                bus._handlers = [.. bus._handlers.Where(h => h != handler)];
            }

            return ValueTask.CompletedTask;
        }
    }
}
