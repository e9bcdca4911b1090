using Odin.Cluster.Tests.EndToEnd;
using Odin.Cluster.Tests.EndToEnd.Chaos;
using Odin.Testing;
using Xunit.Abstractions;

namespace Odin.Cluster.Tests.RedisCluster;

/// <summary>The real executables (2 Hosting, 2 Gateways behind HAProxy) on a real Redis Cluster of 3 masters with a replica each.</summary>
public sealed class RedisClusterChaosFixture : ProcessClusterFixture<RedisClusterServer>
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        // Hundreds of devices of a few identities: presence events would cost the square of that on every reconnect wave.
        ["Odin__Gateway__PresenceEvents"] = "false",
    };
}

/// <summary>
/// A Redis Cluster master killed with SIGKILL under steady load: its replica takes over, and every device ends with
/// exactly its drives' seqs, in order, once each, nothing of another identity. A <c>Resync</c> (the failover lost
/// history a resume needed; the device re-reads <c>/changes</c>) is allowed and counted; a loss or a repeat is not.
/// </summary>
public sealed class RedisClusterChaosTests(RedisClusterChaosFixture fixture, ITestOutputHelper output) : IClassFixture<RedisClusterChaosFixture>
{
    [Fact]
    public async Task A_master_killed_with_SIGKILL_fails_over_to_its_replica_and_no_device_loses_or_repeats_a_notification()
    {
        await using var load = await SteadyLoad.ConnectAsync(fixture.Cluster, tenants: 6, devicesPerTenant: 20, jsDevicesPerTenant: 0, output, resyncAllowed: true);
        load.Log("120 devices of 6 identities connected");
        load.StartWriting(150);
        await load.WriteMoreAsync(200, "before the fault");

        // The master of the first identity's slot: its notifications, history and presence live there.
        var names = new Odin.ClusterPrimitives.Redis.RedisNames(fixture.Cluster.ChannelPrefix);
        var victim = await fixture.Redis.KillMasterOfAsync(names.IdentityChannel(load.Tenants[0].Tenant.TenantId));
        load.Log($"Redis master on port {victim} killed");
        await load.WriteMoreAsync(150, "while its replica takes over");
        await fixture.Redis.FailedOverAsync(victim);
        load.Log("the replica leads its slots");
        await load.WriteMoreAsync(300, "after the failover");
        await load.StopWritingAsync();
        Assert.DoesNotContain(fixture.Cluster.Hosting.Concat(fixture.Cluster.Gateways), p => p.HasExited); // no host stopped on a Redis fault

        await load.AssertEveryDeviceProcessedEverySeqOfItsDrivesOnceInOrderAsync();
    }
}
