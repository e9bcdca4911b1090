using Microsoft.Extensions.Options;
using Odin.Hosting.Auth;
using Odin.ClusterPrimitives.Auth;
using Odin.Testing;

namespace Odin.Gateway.Tests;

/// <summary>
/// A standalone gateway (no Redis: one instance) verifying tokens with a PEM public key, and the matching
/// private key to mint device tokens the way Odin.Hosting does.
/// </summary>
public sealed class StandaloneGateway : IAsyncDisposable
{
    private readonly string _folder;

    private StandaloneGateway(string folder, SigningKey key, GatewayHost host)
    {
        _folder = folder;
        Key = key;
        Host = host;
    }

    public SigningKey Key { get; }

    /// <summary>The identities' device-token keys, vouched for by <see cref="Key"/> as Odin.Hosting's are.</summary>
    public GeneratedTenantDeviceKeys TenantKeys { get; } = new();

    public GatewayHost Host { get; }

    public static async Task<StandaloneGateway> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var folder = Directory.CreateTempSubdirectory("odin-gateway-").FullName;
        var key = SigningKey.Load(Path.Combine(folder, "key.pem"), createIfMissing: true);
        var all = new Dictionary<string, string?> { ["Odin:Auth:PublicKeyPath"] = Path.Combine(folder, "key.pub.pem") };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            all[name] = value;
        }

        return new StandaloneGateway(folder, key, await GatewayHost.StartAsync(all));
    }

    /// <summary>A device token for <paramref name="drives"/> (read), valid for <paramref name="lifetime"/> (default 10 minutes).</summary>
    public (string Token, DeviceIdentity Device) Token(Guid[] drives, TimeSpan? lifetime = null, Guid? tenantId = null, Guid? deviceId = null)
    {
        var device = new DeviceIdentity(tenantId ?? Guid.NewGuid(), "t.example", deviceId ?? Guid.NewGuid(), drives.ToDictionary(d => d, _ => DrivePermission.Read));
        var time = TimeProvider.System;
        if (lifetime is { } l)
        {
            // Issue the token as if it had been issued earlier, so that only l of its ten minutes remain.
            time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow - (TimeSpan.FromMinutes(10) - l));
        }

        return (new DeviceTokenIssuer(Key, TenantKeys, Options.Create(new AuthOptions()), time).IssueAsync(device).GetAwaiter().GetResult().Token, device);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
