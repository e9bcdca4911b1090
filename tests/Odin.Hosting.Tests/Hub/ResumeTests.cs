using Microsoft.AspNetCore.SignalR;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.Hosting.Tests.Hub;

/// <summary>A node that keeps 5 notifications per identity, so a longer absence shows.</summary>
public sealed class ShortHistoryNode : OdinNodeFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?> { ["Odin:History:MaxLength"] = "5" };
}

/// <summary>A device that comes back resumes from its last seq: exactly what it missed, in order, or Resync.</summary>
public sealed class ResumeTests(ShortHistoryNode node) : IClassFixture<ShortHistoryNode>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_device_that_comes_back_gets_exactly_what_it_missed_in_order_and_then_live(bool messagePack)
    {
        var (tenant, drive, device) = await SetUpAsync();
        long cursor;
        string? epoch;
        await using (var first = await NotificationRecorder.ConnectAsync(node.Host.HubUrl, device.AccessToken, messagePack))
        {
            await first.SubscribeAsync(drive);
            await WriteAsync(tenant, drive, 2);
            await Eventually.TrueAsync(() => first.Received.Count == 2, "the first two notifications");
            (cursor, epoch) = (first.Cursor, first.Epoch);
        }

        await WriteAsync(tenant, drive, 3); // while the device is away
        await using var again = await NotificationRecorder.ConnectAsync(node.Host.HubUrl, device.AccessToken, messagePack);
        var result = await again.ResumeAsync(cursor, epoch, drive);

        Assert.True(result.Recovered);
        // Replayed from history, or (if the dispatcher had not published them yet) live right after: either way once, in order.
        await Eventually.TrueAsync(() => again.Received.Count >= 3, "the three missed notifications");
        Assert.Equal([cursor + 1, cursor + 2, cursor + 3], again.Received.Select(n => n.Seq));
        Assert.Empty(again.Resyncs);
        await WriteAsync(tenant, drive, 1);
        await Eventually.TrueAsync(() => again.Received.Count == 4, "the live notification after the replay");
        Assert.Equal(Enumerable.Range(1, 4).Select(i => cursor + i), again.Received.Select(n => n.Seq));
    }

    [Fact]
    public async Task A_device_away_longer_than_the_history_covers_is_told_to_resync_and_then_gets_live_notifications()
    {
        var (tenant, drive, device) = await SetUpAsync();
        long cursor;
        string? epoch;
        await using (var first = await NotificationRecorder.ConnectAsync(node.Host.HubUrl, device.AccessToken, messagePack: false))
        {
            await first.SubscribeAsync(drive);
            (cursor, epoch) = (first.Cursor, first.Epoch);
        }

        // More than the 5 kept, all published (another device of the identity has heard them all).
        await using (var observer = await NotificationRecorder.ConnectAsync(node.Host.HubUrl, (await tenant.CreateDeviceAsync((drive, "read"))).AccessToken, false))
        {
            await observer.SubscribeAsync(drive);
            await WriteAsync(tenant, drive, 8);
            await Eventually.TrueAsync(() => observer.Received.Count == 8, "the eight notifications to be published");
        }

        await using var again = await NotificationRecorder.ConnectAsync(node.Host.HubUrl, device.AccessToken, messagePack: false);
        var result = await again.ResumeAsync(cursor, epoch, drive);

        Assert.False(result.Recovered);
        Assert.Equal(cursor + 8, result.LastSeq);
        await Eventually.TrueAsync(() => again.Resyncs.Count == 1, "Resync");
        Assert.Contains("re-read /changes", again.Resyncs[0]);
        Assert.Empty(again.Received);
        await WriteAsync(tenant, drive, 1);
        await Eventually.TrueAsync(() => again.Received.Count == 1, "live notifications after the Resync");
    }

    [Fact]
    public async Task A_resume_from_another_epoch_or_without_one_is_told_to_resync_and_a_negative_seq_is_refused()
    {
        var (tenant, drive, device) = await SetUpAsync();
        await WriteAsync(tenant, drive, 1);
        await using var recorder = await NotificationRecorder.ConnectAsync(node.Host.HubUrl, device.AccessToken, messagePack: false);

        Assert.False((await recorder.ResumeAsync(0, "an-epoch-long-gone", drive)).Recovered);
        Assert.False((await recorder.ResumeAsync(0, null, drive)).Recovered);
        await Eventually.TrueAsync(() => recorder.Resyncs.Count == 2, "two Resyncs");
        var error = await Assert.ThrowsAsync<HubException>(() => recorder.ResumeAsync(-1, recorder.Epoch, drive));
        Assert.Contains("resumeFrom must be 0 or more", error.Message);
        Assert.True((await recorder.ResumeAsync(1, recorder.Epoch, drive)).Recovered); // and the connection still serves
    }

    private Task<(TenantHandle Tenant, Guid Drive, DeviceHandle Device)> SetUpAsync() => node.Api.CreateReaderAsync();

    private static Task WriteAsync(TenantHandle tenant, Guid drive, int count) => tenant.CreateFilesAsync(drive, count);
}
