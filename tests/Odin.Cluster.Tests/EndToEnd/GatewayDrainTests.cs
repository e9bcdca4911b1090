using Microsoft.AspNetCore.SignalR.Client;
using Odin.Testing;
using Xunit.Abstractions;

namespace Odin.Cluster.Tests.EndToEnd;

/// <summary>A process cluster whose gateways drain in batches of 5 over 6 s, so a test sees the batches.</summary>
public sealed class DrainClusterFixture : ProcessClusterFixture
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Odin__Gateway__DrainBatchSize"] = "5",
        ["Odin__Gateway__DrainTimeout"] = "00:00:06",
    };
}

public sealed class GatewayDrainTests(DrainClusterFixture fixture, ITestOutputHelper output) : IClassFixture<DrainClusterFixture>
{
    private const string DrainReason = "This gateway is shutting down: connect again (through the load balancer) and resume.";

    [Fact]
    public async Task On_SIGTERM_every_device_hears_Reconnect_before_its_close_in_spread_batches_newcomers_are_refused_with_Reconnect_and_all_resume_without_loss()
    {
        await using var devices = await Devices.ConnectAsync(fixture.Cluster, tenants: 2, devicesPerTenant: 20);
        var victim = fixture.Cluster.Gateways[0];
        var onVictim = await ThroughHaproxyTests.ConnectionsAsync(victim);
        Assert.InRange(onVictim, 10, 30); // round robin: about half of 40
        var before = await devices.WriteAsync(5);
        await devices.WaitForAllAsync(before);
        var token = (await devices.Tenants[0].Tenant.CreateDeviceAsync((devices.Tenants[0].Drive, "read"))).AccessToken;

        // A real SIGTERM while writes go on.
        var during = devices.WriteAsync(20);
        var signalled = DateTimeOffset.UtcNow;
        var exiting = victim.TerminateAsync(TimeSpan.FromSeconds(40));

        // While it drains, it says it is not ready, and a device that reaches it anyway is told to go elsewhere.
        await Eventually.TrueAsync(async () => !await victim.IsReadyAsync(), "the draining gateway to report not ready");
        await using (var newcomer = await NotificationRecorder.ConnectAsync(new Uri(victim.BaseAddress, "/hubs/device"), token, messagePack: false))
        {
            await Eventually.TrueAsync(() => newcomer.Connection.State == HubConnectionState.Disconnected, "the newcomer to be closed");
            Assert.Equal([DrainReason], newcomer.ReconnectRequests);
            // No wait asked: a device comes back at once (with its jitter) to another gateway, not after a limit's pause.
            Assert.Equal([0], newcomer.ReconnectWaits);
        }

        var exited = await exiting;
        output.WriteLine($"gateway with {onVictim} devices exited {exited?.TotalMilliseconds:F0} ms after SIGTERM");
        Assert.NotNull(exited);
        Assert.InRange(exited.Value, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(20)); // batches spread over half of 6 s, then the host's stop

        // What each device of the drained gateway saw: Reconnect with its reason, then the close; never a close alone.
        var drained = devices.All.Where(r => r.Timeline.Any(e => e.Event == TimelineEvent.Dropped)).ToList();
        Assert.Equal(onVictim, drained.Count);
        foreach (var device in drained)
        {
            var seen = string.Join(", ", device.Timeline.Select(e => $"{e.Event} at {(e.At - signalled).TotalMilliseconds:F0} ms"));
            // In the order they came: the Reconnect is noted as the client reads it (its handler runs on a queue of its
            // own, after the close it read next may have been handled), the drop when the client handles the close.
            Assert.True(device.Timeline[0].Event == TimelineEvent.ReconnectRequested, $"Reconnect before the close: {seen}");
            Assert.Equal(DrainReason, device.ReconnectRequests[0]);
        }

        // Told in batches spread over the window, not all at once.
        var told = drained.Select(d => d.Timeline[0].At - signalled).Order().ToList();
        output.WriteLine($"Reconnect sent from {told[0].TotalMilliseconds:F0} ms to {told[^1].TotalMilliseconds:F0} ms after SIGTERM");
        Assert.True(told[^1] - told[0] >= TimeSpan.FromSeconds(1), $"batches spread over the drain window (first {told[0]}, last {told[^1]})");

        await Eventually.TrueAsync(() => devices.All.All(r => r.IsSettled), $"the {onVictim} drained devices to reconnect and resume", TimeSpan.FromSeconds(30));
        Assert.Equal(40, await ThroughHaproxyTests.ConnectionsAsync(fixture.Cluster.Gateways[1]));
        await devices.WaitForAllAsync(await during);
        await devices.WaitForAllAsync(await devices.WriteAsync(5));
        devices.AssertEachGotEverySeqOnceInOrder();
        Assert.All(devices.All.SelectMany(r => r.Resumes), r => Assert.True(r.Recovered));
    }
}
