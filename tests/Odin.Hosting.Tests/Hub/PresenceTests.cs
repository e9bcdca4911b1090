using System.Net;
using System.Text.Json;
using Odin.Contracts;
using Odin.Testing;
using static Odin.Hosting.Tests.Api.ApiAssert;

namespace Odin.Hosting.Tests.Hub;

/// <summary>Presence on one node: events to the identity's other devices, and the owner's list of online devices.</summary>
[Collection(SingleNodeCollection.Name)]
public sealed class PresenceTests(SingleNodeHost node)
{
    [Fact]
    public async Task An_identitys_other_devices_hear_a_device_come_and_go_and_the_owner_sees_who_is_online()
    {
        var tenant = await node.Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var (a, b) = (await tenant.CreateDeviceAsync((drive, "read")), await tenant.CreateDeviceAsync((drive, "read")));
        var stranger = await (await node.Api.CreateTenantAsync()).CreateDeviceAsync();
        await using var onA = await NotificationRecorder.ConnectAsync(node.Host.HubUrl, a.AccessToken, messagePack: true);
        await using var onStranger = await NotificationRecorder.ConnectAsync(node.Host.HubUrl, stranger.AccessToken, messagePack: false);

        var onB = await NotificationRecorder.ConnectAsync(node.Host.HubUrl, b.AccessToken, messagePack: false);
        await Eventually.TrueAsync(() => onA.Presence.Any(p => Is(p, NotificationTypes.DeviceConnected, b.DeviceId)), "A to hear that B connected");
        Assert.Equal(new[] { a.DeviceId, b.DeviceId }.Order(), (await OnlineAsync(tenant)).Order());
        Assert.DoesNotContain(onB.Presence, p => Is(p, NotificationTypes.DeviceConnected, b.DeviceId)); // not told of itself

        await onB.DisposeAsync();
        await Eventually.TrueAsync(() => onA.Presence.Any(p => Is(p, NotificationTypes.DeviceDisconnected, b.DeviceId)), "A to hear that B left");
        Assert.Equal([a.DeviceId], await OnlineAsync(tenant));
        Assert.All(onA.Presence, p => Assert.Equal(0, p.Seq));
        Assert.Empty(onA.Received); // presence has no seq and is not a drive notification
        Assert.DoesNotContain(onStranger.Presence, p => p.TenantId == tenant.TenantId);

        using var asDevice = await node.Api.SendAsync(HttpMethod.Get, "/api/v1/owner/devices/online", a.AccessToken, tenant.Domain);
        await ProblemAsync(asDevice, HttpStatusCode.Forbidden);
        using var anonymous = await node.Api.SendAsync(HttpMethod.Get, "/api/v1/owner/devices/online", null, tenant.Domain);
        await ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
    }

    private static bool Is(NotificationEnvelope presence, string type, Guid deviceId) =>
        presence.Type == type && JsonDocument.Parse(presence.Data!).RootElement.GetProperty("deviceId").GetGuid() == deviceId;

    private static async Task<List<Guid>> OnlineAsync(TenantHandle tenant)
    {
        using var response = await tenant.OwnerAsync(HttpMethod.Get, "/api/v1/owner/devices/online");
        var online = await JsonAsync(response, HttpStatusCode.OK);
        return [.. online.EnumerateArray().Select(d => d.GetProperty("deviceId").GetGuid())];
    }
}
