using Microsoft.Extensions.DependencyInjection;
using Odin.Shared.Notifications;
using Odin.Shared.Realtime;
using Odin.Testing;

namespace Odin.Gateway.Tests;

/// <summary>What arrives on the notification bus goes to exactly the subscribed local connections, in order, and is counted.</summary>
public sealed class NotificationFanoutTests
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

        // The delivery counter is exported (its value is checked in the end-to-end tests, where a gateway is
        // alone in its process; here every test's gateway registers the same instruments in one process).
        await Eventually.TrueAsync(async () => await PrometheusScrape.ReadAsync(gateway.Host.BaseAddress, "odin_gateway_notifications_delivered_total") is not null,
            "odin_gateway_notifications_delivered_total in /metrics");
    }
}
