using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Odin.Gateway.Connections;
using Odin.LoadTest;
using Odin.ClusterPrimitives.Notifications;
using Odin.ClusterPrimitives.Reports;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.Gateway.Tests;

/// <summary>
/// A device that stops reading is closed as a slow consumer once its send queue is full; everyone else keeps
/// getting every notification meanwhile, and the slow device gets what it missed when it resumes.
/// </summary>
public sealed class SlowConsumerTests
{
    private const int Limit = 200;
    private const int Count = 2500;

    [Fact]
    public async Task A_device_that_stops_reading_is_closed_without_holding_up_the_others_and_resumes_without_loss()
    {
        await using var gateway = await StandaloneGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Odin:Gateway:SendQueueLimit"] = $"{Limit}",
            ["Odin:Gateway:CloseTimeout"] = "00:00:01",
            ["Odin:History:MaxLength"] = $"{Count}",
            ["Odin:History:MaxReplay"] = $"{Count}",
        });
        var tenant = Guid.NewGuid();
        var drive = Guid.NewGuid();
        await using var healthy = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([drive], tenantId: tenant).Token, messagePack: false);
        var start = await healthy.SubscribeAsync(drive);
        var (stalledToken, stalledDevice) = gateway.Token([drive], tenantId: tenant);
        using var stalled = await StalledClient.ConnectAsync(gateway.Host.HubUrl, stalledToken, $$"""[{"driveIds":["{{drive}}"]}]""");
        var connections = gateway.Host.Services.GetRequiredService<LocalConnections>();
        Assert.Equal(2, connections.Count);

        // 2500 notifications of 4 KiB: 10 MB, far more than the stalled device's socket, the transport and its queue
        // hold. Published in runs of 100, each once the reading device has the run before: it never falls behind,
        // so only the stalled device can be slow (with SignalR's group send it held up everyone once it was full).
        var bus = gateway.Host.Services.GetRequiredService<INotificationBus>();
        var data = JsonSerializer.Serialize(new { padding = new string('x', 4096) });
        for (var seq = 1L; seq <= Count; seq++)
        {
            await bus.PublishAsync(new NotificationEnvelope
            {
                Id = Guid.NewGuid(), Seq = seq, Type = NotificationTypes.FileAdded, TenantId = tenant, DriveId = drive, FileId = Guid.NewGuid(),
                VersionTag = "t", At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Data = data,
            });
            if (seq % 100 == 0)
            {
                var run = seq;
                await healthy.WaitForAsync(n => n.Seq == run, $"notification {run} on the device that reads");
            }
        }

        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), healthy.Processed);
        await Eventually.TrueAsync(() => connections.Count == 1, "the stalled device's connection to be closed");
        Assert.Empty(healthy.ReconnectRequests);
        // What an operator sees on the dashboard: the close, with whose device it was.
        var detail = $"{stalledDevice.Domain}, device {stalledDevice.DeviceId}: more than {Limit} notifications waited";
        await Eventually.TrueAsync(async () => (await gateway.Host.Services.GetRequiredService<IInstanceReports>().ReadAllAsync())
            .SelectMany(r => r.Events ?? []).Any(e => e.Kind == "slow-consumer" && e.Detail == detail),
            "the gateway's report to list the slow-consumer close");

        // The slow device comes back and resumes from where it was (here: from the start): the replay waits for
        // it instead of overflowing its queue, and it gets all 2500 in order.
        await using var back = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([drive], tenantId: tenant).Token, messagePack: true);
        var resumed = await back.ResumeAsync(0, start.Epoch, drive);
        Assert.True(resumed.Recovered);
        await back.WaitForAsync(n => n.Seq == Count, "the replay's last notification");
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), back.Processed);
        Assert.Equal(2, connections.Count);
    }
}
