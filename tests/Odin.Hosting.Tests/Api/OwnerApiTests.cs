using System.Net;
using Odin.Testing;
using static Odin.Hosting.Tests.Api.ApiAssert;

namespace Odin.Hosting.Tests.Api;

[Collection(SingleNodeCollection.Name)]
public sealed class OwnerApiTests(SingleNodeHost node)
{
    private OdinApi Api => node.Api;

    [Fact]
    public async Task Drives_are_created_and_listed_with_validated_aliases()
    {
        var tenant = await Api.CreateTenantAsync();
        using (var response = await tenant.OwnerAsync(HttpMethod.Post, "/api/v1/owner/drives", new { alias = "photos", name = "My photos" }))
        {
            var body = await JsonAsync(response, HttpStatusCode.Created);
            Assert.Equal("photos", body.GetProperty("alias").GetString());
        }

        using (var response = await tenant.OwnerAsync(HttpMethod.Post, "/api/v1/owner/drives", new { alias = "photos" }))
        {
            await ProblemAsync(response, HttpStatusCode.Conflict);
        }

        foreach (var alias in new[] { "", "Has Space", "UPPER", new string('a', 65) })
        {
            using var response = await tenant.OwnerAsync(HttpMethod.Post, "/api/v1/owner/drives", new { alias });
            await ProblemAsync(response, HttpStatusCode.BadRequest);
        }

        using (var response = await tenant.OwnerAsync(HttpMethod.Post, "/api/v1/owner/drives", RawJson("{alias:")))
        {
            await ProblemAsync(response, HttpStatusCode.BadRequest);
        }

        using var list = await tenant.OwnerAsync(HttpMethod.Get, "/api/v1/owner/drives");
        Assert.Equal(1, (await JsonAsync(list, HttpStatusCode.OK)).GetArrayLength());
    }

    [Fact]
    public async Task Owner_endpoints_refuse_missing_foreign_and_device_tokens()
    {
        var tenant = await Api.CreateTenantAsync();
        var other = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "write"));

        using (var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/owner/drives", null, tenant.Domain, new { alias = "x" }))
        {
            await ProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        using (var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/owner/drives", other.OwnerToken, tenant.Domain, new { alias = "x" }))
        {
            await ProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        using (var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/owner/drives", device.AccessToken, tenant.Domain, new { alias = "x" }))
        {
            await ProblemAsync(response, HttpStatusCode.Forbidden);
        }

        using var list = await tenant.OwnerAsync(HttpMethod.Get, "/api/v1/owner/drives");
        Assert.Equal(1, (await JsonAsync(list, HttpStatusCode.OK)).GetArrayLength());
    }

    [Fact]
    public async Task Devices_are_registered_with_valid_grants_only()
    {
        var tenant = await Api.CreateTenantAsync();
        var other = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var foreignDrive = await other.CreateDriveAsync("docs");

        object[] bad =
        [
            new { name = "", drives = Array.Empty<object>() },
            new { name = "phone" },
            new { name = "phone", drives = new[] { new { driveId = drive, permission = "admin" } } },
            new { name = "phone", drives = new[] { new { driveId = drive, permission = "read" }, new { driveId = drive, permission = "write" } } },
            new { name = "phone", drives = new[] { new { driveId = Guid.NewGuid(), permission = "read" } } },
            new { name = "phone", drives = new[] { new { driveId = foreignDrive, permission = "read" } } },
            new { name = "phone", drives = Enumerable.Range(0, 101).Select(_ => new { driveId = Guid.NewGuid(), permission = "read" }) },
        ];
        foreach (var body in bad)
        {
            using var response = await tenant.OwnerAsync(HttpMethod.Post, "/api/v1/owner/devices", body);
            Assert.NotEmpty(await ProblemAsync(response, HttpStatusCode.BadRequest));
        }

        using var ok = await tenant.OwnerAsync(HttpMethod.Post, "/api/v1/owner/devices", new { name = "phone", drives = new[] { new { driveId = drive, permission = "read" } } });
        var created = await JsonAsync(ok, HttpStatusCode.Created);
        Assert.StartsWith("odin_dev_", created.GetProperty("deviceSecret").GetString());
    }

    [Fact]
    public async Task Device_tokens_need_the_right_secret_host_and_an_unrevoked_device()
    {
        var tenant = await Api.CreateTenantAsync();
        var other = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));

        using (var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/device/token", null, tenant.Domain, new { deviceId = device.DeviceId, deviceSecret = device.Secret }))
        {
            var body = await JsonAsync(response, HttpStatusCode.OK);
            // The Host named the identity without a port; the hub is at the port this request reached.
            Assert.Equal($"http://{tenant.Domain}:{node.Host.BaseAddress.Port}/hubs/device", body.GetProperty("hubUrl").GetString());
            Assert.True(body.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        }

        foreach (var (host, secret) in new[] { (tenant.Domain, device.Secret + "x"), (tenant.Domain, ""), (other.Domain, device.Secret) })
        {
            using var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/device/token", null, host, new { deviceId = device.DeviceId, deviceSecret = secret });
            await ProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        using (var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/device/token", null, tenant.Domain, RawJson("{\"deviceId\":\"not-a-guid\"}")))
        {
            await ProblemAsync(response, HttpStatusCode.BadRequest);
        }

        using (var response = await tenant.OwnerAsync(HttpMethod.Delete, $"/api/v1/owner/devices/{device.DeviceId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        using (var response = await tenant.OwnerAsync(HttpMethod.Delete, $"/api/v1/owner/devices/{device.DeviceId}"))
        {
            await ProblemAsync(response, HttpStatusCode.NotFound);
        }

        using (var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/device/token", null, tenant.Domain, new { deviceId = device.DeviceId, deviceSecret = device.Secret }))
        {
            await ProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        // The token it already holds stops working for REST calls at once.
        using var read = await Api.SendAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes", device.AccessToken, tenant.Domain);
        Assert.Contains("revoked", await ProblemAsync(read, HttpStatusCode.Unauthorized));
    }
}
