using Odin.Testing;

namespace Odin.Cluster.Tests;

/// <summary>
/// Redis as docs/operations.md tells operators to run it on a network: TLS only, with a certificate from a
/// private CA, no default user, Odin connecting as an ACL user with a password. A notification crosses
/// from a Hosting instance to a device on a gateway through it.
/// </summary>
public sealed class RedisTlsTests
{
    [Fact]
    public async Task A_cluster_on_a_tls_only_redis_with_an_acl_user_delivers_a_notification_across_instances()
    {
        await using var servers = await ClusterOnOwnServers.StartAsync(hostingCount: 1, gatewayCount: 1, redis: RedisServer.WithTls());
        Assert.Contains("ssl=true", servers.Redis.ConnectionString, StringComparison.Ordinal);
        Assert.Contains($"user={RedisServer.User}", servers.Redis.ConnectionString, StringComparison.Ordinal);

        var api = new OdinApi(servers.Cluster.Hosting[0].CreateClient());
        var tenant = await api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        await using var device = await NotificationRecorder.ConnectAsync(servers.Cluster.Gateways[0].HubUrl, (await tenant.CreateDeviceAsync((drive, "read"))).AccessToken, messagePack: true);
        await device.SubscribeAsync(drive);

        var file = Guid.NewGuid();
        await tenant.CreateFileAsync(drive, file);
        await device.WaitForAsync(n => n.FileId == file, "the notification through the TLS Redis");
    }
}
