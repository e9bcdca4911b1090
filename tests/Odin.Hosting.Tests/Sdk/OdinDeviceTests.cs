using System.Net;
using Odin.Client;
using Odin.Testing;

namespace Odin.Hosting.Tests.Sdk;

/// <summary>A node that keeps 5 notifications per identity and issues the shortest device tokens it allows (10 s).</summary>
public sealed class SdkNode : OdinNodeFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Odin:History:MaxLength"] = "5",
        ["Odin:Auth:DeviceTokenLifetime"] = "00:00:10",
    };
}

/// <summary>
/// The .NET SDK as an app uses it: its handler sees each seq once, in order, whether the device stayed, came back
/// within the history, came back after it (the SDK re-reads <c>/changes</c> itself), or outlived its token; and a
/// device the server refuses for good stops with the reason.
/// </summary>
public sealed class OdinDeviceTests(SdkNode node) : IClassFixture<SdkNode>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_app_restarted_with_its_saved_position_gets_exactly_what_it_missed_then_live(bool messagePack)
    {
        var (tenant, drive, device) = await SetUpAsync();
        var store = new InMemoryDevicePositionStore();
        await using (var first = await StartAsync(device, drive, messagePack, store))
        {
            await WriteAsync(tenant, drive, 2);
            await Eventually.TrueAsync(() => first.Processed.Count == 2, "the first two notifications");
            Assert.Equal([1L, 2L], first.Processed);
        }

        Assert.Equal(2, (await store.LoadAsync(default))!.Seq);
        await WriteAsync(tenant, drive, 3); // while the app is not running: within the history of 5
        await using var again = await StartAsync(device, drive, messagePack, store);
        await WriteAsync(tenant, drive, 1);
        await Eventually.TrueAsync(() => again.Processed.Count == 4, "the three missed and one live notification");
        Assert.Equal([3L, 4L, 5L, 6L], again.Processed);
        Assert.All(again.Handled, n => Assert.False(n.FromChanges));
        Assert.Equal(0, again.Resyncs);
    }

    [Fact]
    public async Task An_app_away_longer_than_the_history_gets_the_missed_changes_from_the_changes_feed_in_order_then_live()
    {
        var (tenant, drive, device) = await SetUpAsync();
        var other = await tenant.CreateDriveAsync("other");
        var both = await tenant.CreateDeviceAsync((drive, "read"), (other, "read"));
        var store = new InMemoryDevicePositionStore();
        // Another device of the identity hears everything: once it has, the history has moved past the first one's position.
        await using var observer = await StartAsync(await tenant.CreateDeviceAsync((drive, "read"), (other, "read")), [drive, other], messagePack: false);
        await using (var first = await StartAsync(both, [drive, other], messagePack: false, store))
        {
            await WriteAsync(tenant, drive, 1);
            await Eventually.TrueAsync(() => first.Processed.Count == 1, "the first notification");
        }

        // Eight more than the history of 5 holds, over both drives; one file changed twice (raised once, at its latest).
        var twice = Guid.NewGuid();
        var tag = await tenant.CreateFileAsync(drive, twice);
        await WriteAsync(tenant, other, 3);
        using (var modified = await tenant.PutFileAsync(drive, twice, versionTag: tag))
        {
            Assert.Equal(HttpStatusCode.OK, modified.StatusCode);
        }

        await WriteAsync(tenant, drive, 3);
        await Eventually.TrueAsync(() => observer.Processed.Count == 9, "all nine notifications to be published");
        await using var back = await StartAsync(both, [drive, other], messagePack: false, store);
        Assert.Equal(1, back.Resyncs);
        var reread = back.Handled.ToList();
        Assert.All(reread, n => Assert.True(n.FromChanges));
        Assert.Equal([3L, 4L, 5L, 6L, 7L, 8L, 9L], reread.Select(n => n.Envelope.Seq)); // seq 2, the first version of `twice`, is superseded by 6
        Assert.Equal(twice, reread.Single(n => n.Envelope.Seq == 6).Envelope.FileId);
        Assert.All(reread, n => Assert.Equal(tenant.TenantId, n.Envelope.TenantId));

        await WriteAsync(tenant, other, 1);
        await Eventually.TrueAsync(() => back.Processed.Count == 8, "the live notification after the re-read");
        Assert.Equal(10, back.Processed[^1]);
        Assert.False(back.Handled[^1].FromChanges);
    }

    [Fact]
    public async Task A_device_that_asks_for_a_drive_it_is_not_granted_still_rereads_the_ones_it_follows()
    {
        var (tenant, drive, device) = await SetUpAsync();
        var notGranted = await tenant.CreateDriveAsync("private");
        var store = new InMemoryDevicePositionStore();
        await using var observer = await StartAsync(await tenant.CreateDeviceAsync((drive, "read")), drive, messagePack: false);
        await using (var first = await StartAsync(device, [drive, notGranted], messagePack: false, store))
        {
            await WriteAsync(tenant, drive, 1);
            await Eventually.TrueAsync(() => first.Processed.Count == 1, "the first notification");
        }

        await WriteAsync(tenant, drive, 8); // past the history of 5
        await Eventually.TrueAsync(() => observer.Processed.Count == 9, "all nine notifications to be published");

        // /changes of the drive not granted answers 403: re-reading it too would fail every Resync, and the device would never be live.
        await using var back = await StartAsync(device, [drive, notGranted], messagePack: false, store);
        Assert.Equal(Enumerable.Range(2, 8).Select(i => (long)i), back.Processed);
        Assert.All(back.Handled, n => Assert.True(n.FromChanges));
    }

    [Fact]
    public async Task A_device_outliving_its_token_moves_onto_new_ones_and_misses_nothing()
    {
        var (tenant, drive, device) = await SetUpAsync();
        await using var app = await StartAsync(device, drive, messagePack: true);
        var written = 0;
        // Tokens live 10 s and are renewed half-way: writing for 12 s spans at least two renewals.
        for (var until = DateTime.UtcNow.AddSeconds(12); DateTime.UtcNow < until; written++)
        {
            await WriteAsync(tenant, drive, 1);
            await Task.Delay(100); // a steady writer, not a wait for a condition
        }

        await Eventually.TrueAsync(() => app.Processed.Count == written, $"all {written} notifications");
        Assert.Equal(Enumerable.Range(1, written).Select(i => (long)i), app.Processed);
        Assert.True(app.States.Count(s => s == OdinDeviceState.Connecting) >= 3, $"two renewals at least: {string.Join(", ", app.States)}");
        Assert.Equal(0, app.Drops); // a renewal moves on at once, without a drop's back-off
    }

    [Fact]
    public async Task A_revoked_device_stops_for_good_with_the_reason_and_a_wrong_secret_is_refused_at_start()
    {
        var (tenant, drive, device) = await SetUpAsync();
        await using var app = await StartAsync(device, drive, messagePack: false);
        using (var revoked = await tenant.OwnerAsync(HttpMethod.Delete, $"/api/v1/owner/devices/{device.DeviceId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        await Eventually.TrueAsync(() => app.Stops.Count == 1, "the device to stop");
        Assert.Equal(DeviceStopKind.Revoked, app.Stops[0].Kind);
        Assert.Equal(OdinDeviceState.Stopped, app.Device.State);

        var other = await tenant.CreateDeviceAsync((drive, "read"));
        await using var wrong = SdkDevice.Create(node.Host.BaseAddress, node.Host.HubUrl, tenant.Domain, other.DeviceId, "not-the-secret", [drive]);
        var refused = await Assert.ThrowsAsync<OdinRefusedException>(() => wrong.Device.StartAsync());
        Assert.Equal(DeviceStopKind.Revoked, refused.Kind);
        Assert.Equal("Unknown or revoked device, or wrong secret.", refused.Message);
    }

    [Fact]
    public async Task A_device_of_a_disabled_identity_stops_for_good_and_says_so()
    {
        var (tenant, drive, device) = await SetUpAsync();
        await using var app = await StartAsync(device, drive, messagePack: false);
        using (var disabled = await node.Api.SendAsync(HttpMethod.Post, $"/api/v1/admin/tenants/{tenant.Domain}/disable", OdinHost.AdminKey, null))
        {
            Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);
        }

        await Eventually.TrueAsync(() => app.Stops.Count == 1, "the device to stop");
        Assert.Equal(DeviceStopKind.IdentityDisabled, app.Stops[0].Kind);
    }

    [Fact]
    public async Task Options_that_cannot_work_are_refused_when_the_device_is_made()
    {
        Assert.Contains("Domain is required", Assert.Throws<ArgumentException>(() => new OdinDevice(new OdinDeviceOptions())).Message);
        Assert.Contains("DeviceId and DeviceSecret", Assert.Throws<ArgumentException>(() => new OdinDevice(new OdinDeviceOptions { Domain = "a.example" })).Message);
        var drive = Guid.NewGuid();
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new OdinDevice(
            new OdinDeviceOptions { Domain = "a.example", DeviceId = Guid.NewGuid(), DeviceSecret = "s", Drives = [drive, drive] })).Message);
        await Task.CompletedTask;
    }

    private Task<SdkDevice> StartAsync(DeviceHandle device, Guid drive, bool messagePack, IDevicePositionStore? store = null) =>
        StartAsync(device, [drive], messagePack, store);

    private Task<SdkDevice> StartAsync(DeviceHandle device, Guid[] drives, bool messagePack, IDevicePositionStore? store = null) =>
        SdkDevice.StartAsync(node.Host.BaseAddress, node.Host.HubUrl, device, drives, messagePack, store);

    private Task<(TenantHandle Tenant, Guid Drive, DeviceHandle Device)> SetUpAsync() => node.Api.CreateReaderAsync();

    private static Task WriteAsync(TenantHandle tenant, Guid drive, int count) => tenant.CreateFilesAsync(drive, count);
}
