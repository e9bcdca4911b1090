using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Odin.Hosting.Auth;
using Odin.ClusterPrimitives.Auth;
using Odin.Testing;

namespace Odin.Hosting.Tests.Api;

/// <summary>Tokens a device should never be able to use: expired ones, forged ones, ones for drives it lacks.</summary>
internal static class DeviceTokens
{
    public static async Task<string> ExpiredAsync(OdinHost host, DeviceHandle device)
    {
        var oneHourAgo = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        var issuer = new DeviceTokenIssuer(host.Services.GetRequiredService<SigningKey>(), new GeneratedTenantDeviceKeys(), Options.Create(new AuthOptions()), oneHourAgo);
        return (await issuer.IssueAsync(Identity(device))).Token;
    }

    /// <summary>A well-formed token whose identity key is vouched for by a key Odin never had, claiming every drive as writable.</summary>
    public static async Task<string> ForgedAsync(DeviceHandle device, params Guid[] drives)
    {
        var stranger = SigningKey.Load(Path.Combine(Path.GetTempPath(), $"stranger-{Guid.NewGuid():N}.pem"), createIfMissing: true);
        var identity = Identity(device) with { Drives = drives.ToDictionary(d => d, _ => DrivePermission.Write) };
        return (await new DeviceTokenIssuer(stranger, new GeneratedTenantDeviceKeys(), Options.Create(new AuthOptions()), TimeProvider.System).IssueAsync(identity)).Token;
    }

    private static DeviceIdentity Identity(DeviceHandle device) =>
        new(device.Tenant.TenantId, device.Tenant.Domain, device.DeviceId, new Dictionary<Guid, DrivePermission>());
}
