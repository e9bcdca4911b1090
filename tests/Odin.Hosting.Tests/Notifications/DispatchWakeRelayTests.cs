using Microsoft.Extensions.Logging.Abstractions;
using Odin.Hosting.Notifications;
using Odin.Shared.PubSub;

namespace Odin.Hosting.Tests.Notifications;

/// <summary>A commit on one instance wakes the dispatchers of the others through the broker.</summary>
public sealed class DispatchWakeRelayTests
{
    [Fact]
    public async Task A_commit_on_one_instance_wakes_the_other_instances_dispatcher()
    {
        var broker = new InProcessPubSubBroker(); // stands for Redis: the contract suite proves both alike
        var (signalA, signalB) = (new DispatchSignal(), new DispatchSignal());
        using var relayA = new DispatchWakeRelay(signalA, broker, TimeProvider.System, NullLogger<DispatchWakeRelay>.Instance);
        using var relayB = new DispatchWakeRelay(signalB, broker, TimeProvider.System, NullLogger<DispatchWakeRelay>.Instance);
        using var stop = new CancellationTokenSource();
        await relayA.StartAsync(stop.Token);
        await relayB.StartAsync(stop.Token);
        // The relays subscribe in the background; once they have, every commit on A wakes B.
        await Odin.Testing.Eventually.TrueAsync(async () =>
        {
            signalA.Notify();
            return await signalB.WaitAsync(TimeSpan.FromMilliseconds(200), TimeProvider.System, CancellationToken.None);
        }, "a commit on A to wake B's dispatcher");

        // Nothing wakes B by itself.
        Assert.False(await signalB.WaitAsync(TimeSpan.FromMilliseconds(200), TimeProvider.System, CancellationToken.None));

        await stop.CancelAsync();
        await relayA.StopAsync(CancellationToken.None);
        await relayB.StopAsync(CancellationToken.None);
    }
}
