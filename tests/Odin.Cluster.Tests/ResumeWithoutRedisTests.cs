using Microsoft.AspNetCore.SignalR;
using Odin.Testing;

namespace Odin.Cluster.Tests;

/// <summary>A resume the gateway cannot serve because Redis is gone must not leave the device with a silent gap.</summary>
public sealed class ResumeWithoutRedisTests
{
    [Fact]
    public async Task A_resume_that_cannot_read_the_history_fails_and_tells_the_device_to_re_read()
    {
        await using var servers = await ClusterOnOwnServers.StartAsync(hostingCount: 1, gatewayCount: 1);
        var tenant = await new OdinApi(servers.Cluster.Hosting[0].CreateClient()).CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));
        await using var recorder = await NotificationRecorder.ConnectAsync(servers.Cluster.Gateways[0].HubUrl, device.AccessToken, messagePack: false);
        var start = await recorder.SubscribeAsync(drive);

        servers.Redis.Kill();
        // The connection stays (it is live and keeps getting what comes once Redis is back), so without a word it could
        // move its cursor past what it missed: it is told to re-read instead.
        await Assert.ThrowsAsync<HubException>(() => recorder.ResumeAsync(start.LastSeq, start.Epoch, drive));
        await Eventually.TrueAsync(() => recorder.Resyncs.Count == 1, "the Resync message");
        Assert.Contains("re-read /changes", recorder.Resyncs[0], StringComparison.Ordinal);
    }
}
