using System.Net;
using Odin.Testing;

namespace Odin.Cluster.Tests.Outbox;

/// <summary>An instance whose outbox shards lag past the bound says so at <c>/health/ready</c>, and recovers.</summary>
public sealed class OutboxLagReadinessTests
{
    [Fact]
    public async Task An_instance_whose_shards_hold_a_notification_past_the_lag_bound_is_not_ready_and_says_which_until_it_is_published()
    {
        await using var servers = await ClusterOnOwnServers.StartAsync(hostingCount: 1, gatewayCount: 0,
            hostingSettings: new Dictionary<string, string?> { ["Odin:Notifications:LagBound"] = "00:00:01" });
        var host = servers.Cluster.Hosting[0];
        var tenant = await new OdinApi(host.CreateClient()).CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        using var http = host.CreateClient();

        servers.Redis.Kill(); // the write lands; its notification cannot be published
        await tenant.CreateFileAsync(drive, Guid.NewGuid());
        var body = "";
        await Eventually.TrueAsync(async () =>
        {
            using var ready = await http.GetAsync("/health/ready");
            body = await ready.Content.ReadAsStringAsync();
            return ready.StatusCode == HttpStatusCode.ServiceUnavailable;
        }, "the instance to report its outbox lag", TimeSpan.FromSeconds(30));
        Assert.StartsWith("Unhealthy", body, StringComparison.Ordinal);
        Assert.Contains("outbox: outbox shards ", body, StringComparison.Ordinal);
        Assert.Contains("Odin:Notifications:LagBound", body, StringComparison.Ordinal);

        await servers.Redis.StartAsync();
        await Eventually.TrueAsync(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            "the instance to be ready once the notification is published", TimeSpan.FromSeconds(30));
    }
}
