using Dapper;
using Npgsql;
using Odin.Testing;

namespace Odin.Cluster.Tests.Outbox;

/// <summary>
/// The outbox's shards move between Hosting instances (one joins, one stops) while identities keep writing: every
/// device still gets each of its identity's seqs once, in order. Real PostgreSQL and Redis, a short shard lease.
/// </summary>
public sealed class ShardRebalanceTests
{
    [Fact]
    public async Task Each_identitys_seqs_reach_its_device_once_and_in_order_while_instances_join_and_leave()
    {
        await using var servers = await ClusterOnOwnServers.StartAsync(hostingCount: 2, gatewayCount: 1,
            hostingSettings: new Dictionary<string, string?> { ["Odin:Notifications:ShardLease"] = "00:00:02" });
        var cluster = servers.Cluster;
        await HoldersAsync(cluster, 2);
        var api = new OdinApi(cluster.Hosting[0].CreateClient()); // writes go through the instance that stays
        var writers = new List<(TenantHandle Tenant, Guid Drive, NotificationRecorder Device)>();
        for (var i = 0; i < 6; i++)
        {
            var tenant = await api.CreateTenantAsync();
            var drive = await tenant.CreateDriveAsync("docs");
            var device = await NotificationRecorder.ConnectAsync(cluster.Gateways[0].HubUrl, (await tenant.CreateDeviceAsync((drive, "read"))).AccessToken, messagePack: i % 2 == 0);
            await device.SubscribeAsync(drive);
            writers.Add((tenant, drive, device));
        }

        using var stop = new CancellationTokenSource();
        var written = new int[writers.Count];
        var writing = Task.WhenAll(writers.Select((w, i) => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await w.Tenant.CreateFileAsync(w.Drive, Guid.NewGuid());
                Interlocked.Increment(ref written[i]);
            }
        })));

        // A third instance joins: the shards spread over three; then the second stops: they spread over two.
        await cluster.AddHostingAsync(1);
        await HoldersAsync(cluster, 3);
        await cluster.Hosting[1].DisposeAsync();
        await HoldersAsync(cluster, 2);
        await stop.CancelAsync();
        await writing;

        for (var i = 0; i < writers.Count; i++)
        {
            var (_, _, device) = writers[i];
            var expected = Enumerable.Range(1, written[i]).Select(seq => (long)seq).ToList();
            await Eventually.TrueAsync(() => device.Received.Count >= expected.Count, $"identity {i}'s {expected.Count} notifications", TimeSpan.FromSeconds(30));
            Assert.Equal(expected, device.Received.Select(n => n.Seq)); // once each, in order: no repeat reached the device
            await device.DisposeAsync();
        }
    }

    /// <summary>Waits until exactly <paramref name="instances"/> instances hold the 16 shards between them, each once.</summary>
    private static Task HoldersAsync(InProcessCluster cluster, int instances) => Eventually.TrueAsync(async () =>
    {
        await using var connection = new NpgsqlConnection(cluster.DatabaseConnectionString);
        var leases = (await connection.QueryAsync<(int Shard, string Owner)>("SELECT shard AS Shard, owner AS Owner FROM outbox_leases")).ToList();
        return leases.Count == 16 && leases.Select(l => l.Owner).Distinct().Count() == instances;
    }, $"{instances} instances to hold the outbox's shards", TimeSpan.FromSeconds(30));
}
