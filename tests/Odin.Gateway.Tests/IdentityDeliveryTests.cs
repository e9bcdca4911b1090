using Microsoft.Extensions.DependencyInjection;
using Odin.ClusterPrimitives.Notifications;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.Gateway.Tests;

/// <summary>
/// What arrives on an identity's channel goes to exactly the subscribed local connections, in order, and is counted;
/// the gateway holds an identity's channel only while it holds its devices.
/// </summary>
public sealed class IdentityDeliveryTests
{
    [Fact]
    public async Task Bus_notifications_reach_the_drive_subscribers_and_tenant_events_every_device_of_the_tenant()
    {
        await using var gateway = await StandaloneGateway.StartAsync();
        var tenant = Guid.NewGuid();
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await using var onA = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([a, b], tenantId: tenant).Token, messagePack: true);
        await using var onB = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([a, b], tenantId: tenant).Token, messagePack: false);
        await using var stranger = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([a]).Token, messagePack: false);
        await onA.SubscribeAsync(a);
        await onB.SubscribeAsync(b);
        await stranger.SubscribeAsync(a); // granted by its token, but it is another tenant's drive id in its own tenant

        var bus = gateway.Host.Services.GetRequiredService<INotificationBus>();
        var seq = 0L;
        NotificationEnvelope Next(Guid? drive, string type) => new()
        {
            Id = Guid.NewGuid(), Seq = ++seq, Type = type, TenantId = tenant, DriveId = drive, FileId = drive is null ? null : Guid.NewGuid(),
            VersionTag = drive is null ? null : "t", At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        var sent = new[] { Next(a, NotificationTypes.FileAdded), Next(b, NotificationTypes.FileAdded), Next(a, NotificationTypes.FileModified), Next(null, NotificationTypes.NewFollower) };
        foreach (var envelope in sent)
        {
            await bus.PublishAsync(envelope);
        }

        await onA.WaitForAsync(n => n.Seq == 4, "the tenant-wide event on A");
        await onB.WaitForAsync(n => n.Seq == 4, "the tenant-wide event on B");
        Assert.Equal([1L, 3L, 4L], onA.Received.Select(n => n.Seq));
        Assert.Equal([2L, 4L], onB.Received.Select(n => n.Seq));
        Assert.Empty(stranger.Received);

        // What an operator sees: a delivery per device that heard a notification (counted at the fan-out, before the send).
        Assert.Equal(5, await PrometheusScrape.ReadAsync(gateway.Host.BaseAddress, "odin_gateway_notifications_delivered_total"));
    }

    [Fact]
    public async Task A_gateway_leaves_an_identitys_channel_when_its_last_device_leaves_and_starts_again_for_its_next_device()
    {
        await using var gateway = await StandaloneGateway.StartAsync(new Dictionary<string, string?> { ["Odin:Gateway:IdentityLinger"] = "00:00:00" });
        var tenant = Guid.NewGuid();
        var drive = Guid.NewGuid();
        var bus = gateway.Host.Services.GetRequiredService<INotificationBus>();
        var streams = gateway.Host.Services.GetRequiredService<Identities.IdentityStreams>();
        var seq = 0L;
        Task PublishAsync() => bus.PublishAsync(new NotificationEnvelope
        {
            Id = Guid.NewGuid(), Seq = ++seq, Type = NotificationTypes.FileAdded, TenantId = tenant, DriveId = drive, FileId = Guid.NewGuid(),
            VersionTag = "t", At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });

        Assert.Equal(0, streams.Count);
        var first = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([drive], tenantId: tenant).Token, messagePack: false);
        await first.SubscribeAsync(drive);
        await PublishAsync();
        await first.WaitForAsync(n => n.Seq == 1, "seq 1");
        Assert.Equal(1, streams.Count);
        await first.DisposeAsync();
        await Eventually.TrueAsync(() => streams.Count == 0, "the gateway to leave the identity's channel (no linger)");

        await PublishAsync(); // nobody here: nobody hears it

        await using var next = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([drive], tenantId: tenant).Token, messagePack: true);
        Assert.Equal(2, (await next.SubscribeAsync(drive)).LastSeq);
        await PublishAsync();
        await next.WaitForAsync(n => n.Seq == 3, "seq 3 on the next device");
        Assert.Equal([3L], next.Processed);
    }

    [Fact]
    public async Task An_identity_whose_device_reconnects_within_the_linger_keeps_its_stream_and_its_count()
    {
        await using var gateway = await StandaloneGateway.StartAsync(new Dictionary<string, string?> { ["Odin:Gateway:IdentityLinger"] = "00:10:00" });
        var tenant = Guid.NewGuid();
        var bus = gateway.Host.Services.GetRequiredService<INotificationBus>();
        var streams = gateway.Host.Services.GetRequiredService<Identities.IdentityStreams>();
        var connections = gateway.Host.Services.GetRequiredService<Connections.LocalConnections>();
        var first = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([], tenantId: tenant).Token, messagePack: false);
        var start = await first.SubscribeAsync();
        await first.DisposeAsync();
        await Eventually.TrueAsync(() => connections.Count == 0, "the device to be gone");
        Assert.Equal(1, streams.Count); // lingering

        // Published while nobody is here: the lingering stream still counts it, so the resume finds no gap.
        await bus.PublishAsync(new NotificationEnvelope { Id = Guid.NewGuid(), Seq = start.LastSeq + 1, Type = NotificationTypes.NewFollower, TenantId = tenant, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        await using var again = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([], tenantId: tenant).Token, messagePack: true);
        var resumed = await again.ResumeAsync(start.LastSeq, start.Epoch);
        Assert.True(resumed.Recovered);
        await again.WaitForAsync(n => n.Seq == start.LastSeq + 1, "the notification published meanwhile, by the replay");
        Assert.Equal(1, streams.Count);
    }

    [Fact]
    public async Task Notifications_reach_a_connection_from_its_first_Subscribe_so_a_resuming_device_gets_none_before_its_replay()
    {
        await using var gateway = await StandaloneGateway.StartAsync();
        var tenant = Guid.NewGuid();
        var bus = gateway.Host.Services.GetRequiredService<INotificationBus>();
        var seq = 0L;
        Task PublishAsync() => bus.PublishAsync(new NotificationEnvelope
        {
            Id = Guid.NewGuid(), Seq = ++seq, Type = NotificationTypes.NewFollower, TenantId = tenant, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        });

        await using var watcher = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([], tenantId: tenant).Token, messagePack: false);
        var start = await watcher.SubscribeAsync(); // identity-wide events only
        await using var device = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([], tenantId: tenant).Token, messagePack: true);
        await PublishAsync();
        await PublishAsync();
        await watcher.WaitForAsync(n => n.Seq == 2, "seq 2 on the subscribed connection");
        Assert.Empty(device.Received); // connected, not subscribed yet

        // Its first Subscribe resumes from the start: both come by the replay, once, in order.
        var resumed = await device.ResumeAsync(0, start.Epoch);
        Assert.True(resumed.Recovered);
        await PublishAsync();
        await device.WaitForAsync(n => n.Seq == 3, "seq 3 live after the replay");
        Assert.Equal([1L, 2L, 3L], device.Received.Select(n => n.Seq));
    }

    [Fact]
    public async Task A_notification_the_replay_sent_that_then_arrives_live_is_not_sent_again()
    {
        await using var gateway = await StandaloneGateway.StartAsync();
        var tenant = Guid.NewGuid();
        var history = gateway.Host.Services.GetRequiredService<MemoryNotificationHistory>();
        var bus = gateway.Host.Services.GetRequiredService<INotificationBus>();
        NotificationEnvelope Envelope(long seq) => new()
        {
            Id = Guid.NewGuid(), Seq = seq, Type = NotificationTypes.NewFollower, TenantId = tenant, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };

        await using var watcher = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([], tenantId: tenant).Token, messagePack: false);
        var start = await watcher.SubscribeAsync(); // the identity's stream stands at seq 0
        await using var device = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([], tenantId: tenant).Token, messagePack: true);

        // Seq 1 is in the history but still on its way to the stream (its queue lags): the resume replays it...
        var first = Envelope(1);
        history.Append(first);
        Assert.True((await device.ResumeAsync(0, start.Epoch)).Recovered);
        await device.WaitForAsync(n => n.Seq == 1, "seq 1 by the replay");
        // ...and then it arrives live. The watcher needs it; the resumed device has it.
        await bus.PublishLiveAsync(first);
        await bus.PublishAsync(Envelope(2));

        await watcher.WaitForAsync(n => n.Seq == 2, "seq 2 on the watcher");
        await device.WaitForAsync(n => n.Seq == 2, "seq 2 on the resumed device");
        Assert.Equal([1L, 2L], watcher.Received.Select(n => n.Seq));
        Assert.Equal([1L, 2L], device.Received.Select(n => n.Seq));
    }
}
