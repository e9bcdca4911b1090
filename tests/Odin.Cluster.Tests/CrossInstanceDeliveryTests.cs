using System.Diagnostics;
using Microsoft.AspNetCore.SignalR.Client;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.Cluster.Tests;

/// <summary>Delivery across instances: 2 Hosting + 2 Gateways on one real Redis and PostgreSQL.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class CrossInstanceDeliveryTests(SharedCluster shared)
{
    private InProcessCluster Cluster => shared.Cluster;

    private OdinApi Api(int hosting) => new(Cluster.Hosting[hosting].CreateClient());

    [Fact]
    public async Task A_write_on_Hosting_B_reaches_a_device_on_Gateway_A()
    {
        var tenant = await Api(0).CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));
        await using var recorder = await NotificationRecorder.ConnectAsync(Cluster.Gateways[0].HubUrl, device.AccessToken, messagePack: true);
        await recorder.SubscribeAsync(drive);

        var onB = Api(1);
        var file = Guid.NewGuid();
        using var response = await onB.SendAsync(HttpMethod.Put, $"/api/v1/drives/{drive}/files/{file}", tenant.OwnerToken, tenant.Domain, new { metadata = new { } });
        response.EnsureSuccessStatusCode();

        var notification = await recorder.WaitForAsync(n => n.FileId == file, "the notification on the other gateway");
        Assert.Equal((1L, NotificationTypes.FileAdded), (notification.Seq, notification.Type));
    }

    [Fact]
    public async Task Three_tenants_with_three_devices_each_receive_exactly_their_notifications_once_and_in_order()
    {
        const int filesPerDrive = 8;
        var tenants = await Task.WhenAll(Enumerable.Range(0, 3).Select(async t =>
        {
            var tenant = await Api(t % 2).CreateTenantAsync();
            var a = await tenant.CreateDriveAsync("a");
            var b = await tenant.CreateDriveAsync("b");
            Guid[][] subscriptions = [[a], [a, b], [b]];
            var devices = new List<Device>();
            for (var d = 0; d < 3; d++)
            {
                var device = await tenant.CreateDeviceAsync((a, "read"), (b, "read"));
                var recorder = await NotificationRecorder.ConnectAsync(Cluster.Gateways[(t + d) % 2].HubUrl, device.AccessToken, messagePack: d % 2 == 0);
                Assert.Equal(subscriptions[d], (await recorder.SubscribeAsync(subscriptions[d])).Accepted);
                devices.Add(new Device(recorder, subscriptions[d]));
            }

            // The same tenant seen through each Hosting instance.
            return new Writer([tenant, tenant with { Api = Api((t + 1) % 2) }], a, b, devices);
        }));

        try
        {
            // Every tenant writes at once, through both Hosting instances: creates, then one change each.
            await Task.WhenAll(tenants.Select(async t =>
            {
                var files = Enumerable.Range(0, filesPerDrive * 2).Select(i => (Drive: i % 2 == 0 ? t.A : t.B, File: Guid.NewGuid(), Via: i % 2)).ToList();
                var tags = await Task.WhenAll(files.Select(f => t.Via[f.Via].CreateFileAsync(f.Drive, f.File)));
                await Task.WhenAll(files.Select(async (f, i) =>
                {
                    using var response = await t.Via[1 - f.Via].PutFileAsync(f.Drive, f.File, null, tags[i]);
                    response.EnsureSuccessStatusCode();
                }));
            }));

            // A sentinel per tenant and drive, written last. Each tenant has devices on both gateways and the
            // tenant's rows are published in seq order, so once a device has its sentinels it has everything
            // it will ever be sent from before them.
            var sentinels = await Task.WhenAll(tenants.SelectMany(t => new[] { t.A, t.B }.Select(async drive =>
            {
                var file = Guid.NewGuid();
                await t.Via[0].CreateFileAsync(drive, file);
                return (Writer: t, Drive: drive, File: file);
            })));
            foreach (var (writer, drive, file) in sentinels)
            {
                foreach (var device in writer.Devices.Where(d => d.Drives.Contains(drive)))
                {
                    await device.Recorder.WaitForAsync(n => n.FileId == file, $"sentinel {file}");
                }
            }

            var total = (filesPerDrive * 2 * 2) + 2; // a create and a change per file, then the two sentinels
            foreach (var t in tenants)
            {
                // The device on both drives saw every seq of its tenant exactly once, in order, and nothing else.
                var all = t.Devices[1].Recorder.Received;
                Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), all.Select(n => n.Seq));
                Assert.All(all, n => Assert.Equal(t.Via[0].TenantId, n.TenantId));
                Assert.Equal(all.Count, all.Select(n => n.Id).Distinct().Count());
                foreach (var device in t.Devices)
                {
                    // Exactly the tenant's notifications of the subscribed drives, in seq order, nothing else.
                    Assert.Equal(all.Where(n => device.Drives.Contains(n.DriveId!.Value)).Select(n => n.Id), device.Recorder.Received.Select(n => n.Id));
                }
            }
        }
        finally
        {
            foreach (var device in tenants.SelectMany(t => t.Devices))
            {
                await device.Recorder.DisposeAsync();
            }
        }
    }

    private sealed record Device(NotificationRecorder Recorder, Guid[] Drives);

    private sealed record Writer(TenantHandle[] Via, Guid A, Guid B, List<Device> Devices);

    [Fact]
    public async Task Revoking_a_device_closes_its_connections_on_every_gateway_within_two_seconds()
    {
        var tenant = await Api(0).CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));
        var connections = await Task.WhenAll(Cluster.Gateways.Select(g => NotificationRecorder.ConnectAsync(g.HubUrl, device.AccessToken, messagePack: false)));
        var closed = connections.Select(c =>
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            c.Connection.Closed += _ =>
            {
                tcs.TrySetResult();
                return Task.CompletedTask;
            };
            return tcs.Task;
        }).ToList();

        var clock = Stopwatch.StartNew();
        using (var revoke = await Api(1).SendAsync(HttpMethod.Delete, $"/api/v1/owner/devices/{device.DeviceId}", tenant.OwnerToken, tenant.Domain))
        {
            revoke.EnsureSuccessStatusCode();
        }

        await Task.WhenAll(closed).WaitAsync(TimeSpan.FromSeconds(2));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));

        // The still-unexpired token is refused by every gateway from then on.
        foreach (var gateway in Cluster.Gateways)
        {
            await using var again = await NotificationRecorder.ConnectAsync(gateway.HubUrl, device.AccessToken, messagePack: false)
                .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);
            if (again is not null)
            {
                await Eventually.TrueAsync(() => again.Connection.State == HubConnectionState.Disconnected, "the revoked device's new connection to close");
            }
        }

        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }
}
