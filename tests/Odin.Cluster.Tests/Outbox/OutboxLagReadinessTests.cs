using System.Net;
using Odin.Testing;

namespace Odin.Cluster.Tests.Outbox;

/// <summary>
/// An instance whose outbox shards lag past the bound says so at <c>/health/ready</c> as Degraded, still ready: it keeps
/// taking writes, and recovers once its notifications are published.
/// </summary>
public sealed class OutboxLagReadinessTests
{
    [Fact]
    public async Task An_instance_whose_shards_hold_a_notification_past_the_lag_bound_is_degraded_says_which_and_still_takes_writes()
    {
        await using var servers = await ClusterOnOwnServers.StartAsync(hostingCount: 1, gatewayCount: 0,
            hostingSettings: new Dictionary<string, string?> { ["Odin:Notifications:LagBound"] = "00:00:01" });
        var host = servers.Cluster.Hosting[0];
        var tenant = await new OdinApi(host.CreateClient()).CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        using var http = host.CreateClient();

        servers.Redis.Kill(); // the write lands; its notification cannot be published
        await tenant.CreateFileAsync(drive, Guid.NewGuid());
        var status = HttpStatusCode.OK;
        var body = "";
        await Eventually.TrueAsync(async () =>
        {
            using var ready = await http.GetAsync("/health/ready");
            (status, body) = (ready.StatusCode, await ready.Content.ReadAsStringAsync());
            return body.StartsWith("Degraded", StringComparison.Ordinal);
        }, "the instance to report its outbox lag", TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, status); // a load balancer keeps it in the pool
        Assert.Contains("outbox: outbox shards ", body, StringComparison.Ordinal);
        Assert.Contains("Odin:Notifications:LagBound", body, StringComparison.Ordinal);

        await tenant.CreateFileAsync(drive, Guid.NewGuid()); // still takes writes (201): their notifications wait with the others

        await servers.Redis.StartAsync();
        await Eventually.TrueAsync(async () => await ReadinessAsync(http) == "Healthy",
            "the instance to be healthy once the notifications are published", TimeSpan.FromSeconds(30));
    }

    private static async Task<string> ReadinessAsync(HttpClient http)
    {
        using var ready = await http.GetAsync("/health/ready");
        return await ready.Content.ReadAsStringAsync();
    }
}
