using Odin.ClusterPrimitives.Notifications;
using Odin.ClusterPrimitives.PubSub;
using Microsoft.Extensions.Options;

namespace Odin.Cluster.Tests.Primitives;

/// <summary>The single-node implementations: one process, so both "instances" are the same object.</summary>
public sealed class InProcessBrokerTests : BrokerContract
{
    private readonly InProcessPubSubBroker _broker = new();
    private readonly MemoryNotificationHistory _history = new(Options.Create(Retention), TimeProvider.System);
    private readonly InProcessNotificationBus _bus;

    public InProcessBrokerTests() => _bus = new InProcessNotificationBus(_history);

    protected override INotificationHistory History => _history;

    protected override (IPubSubBroker A, IPubSubBroker B) Brokers => (_broker, _broker);

    protected override (INotificationBus A, INotificationBus B) Buses => (_bus, _bus);

    public override Task InitializeAsync() => Task.CompletedTask;

    public override Task DisposeAsync() => Task.CompletedTask;
}
