using System.Collections.Concurrent;

namespace Odin.ClusterPrimitives.PubSub;

/// <summary>The single-node broker: handlers of this process, called in publish order.</summary>
public sealed class InProcessPubSubBroker : IPubSubBroker
{
    private readonly ConcurrentDictionary<string, ImmutableHandlers> _topics = new();

    public async Task PublishAsync(string topic, string message)
    {
        if (_topics.TryGetValue(topic, out var handlers))
        {
            foreach (var handler in handlers.Items)
            {
                await handler(message);
            }
        }
    }

    public Task<IAsyncDisposable> SubscribeAsync(string topic, Func<string, Task> handler)
    {
        _topics.AddOrUpdate(topic, _ => new ImmutableHandlers([handler]), (_, h) => new ImmutableHandlers([.. h.Items, handler]));
        return Task.FromResult<IAsyncDisposable>(new Subscription(() =>
            _topics.AddOrUpdate(topic, _ => new ImmutableHandlers([]), (_, h) => new ImmutableHandlers([.. h.Items.Where(x => x != handler)]))));
    }

    private sealed record ImmutableHandlers(Func<string, Task>[] Items);

    private sealed class Subscription(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }
}
