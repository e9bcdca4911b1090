using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Odin.Hosting.Tests.Api;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.Hosting.Tests.Hub;

/// <summary>The device hub with the real SignalR .NET client over WebSockets (skip negotiation), in both protocols.</summary>
[Collection(SingleNodeCollection.Name)]
public sealed class DeviceHubTests(SingleNodeHost node)
{
    private static readonly string[] NotAGuid = ["abc"];

    private OdinApi Api => node.Api;

    private Task<NotificationRecorder> ConnectAsync(DeviceHandle device, bool messagePack) =>
        NotificationRecorder.ConnectAsync(node.Host.HubUrl, device.AccessToken, messagePack);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_subscribed_device_receives_fileAdded_with_the_committed_seq(bool messagePack)
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        await using var device = await ConnectAsync(await tenant.CreateDeviceAsync((drive, "read")), messagePack);

        var result = await device.SubscribeAsync(drive);
        Assert.Equal([drive], result.Accepted);
        Assert.Empty(result.Rejected);

        var file = Guid.NewGuid();
        var tag = await tenant.CreateFileAsync(drive, file);
        var notification = await device.WaitForAsync(n => n.FileId == file, "fileAdded");
        Assert.Equal(NotificationTypes.FileAdded, notification.Type);
        Assert.Equal(1, notification.Seq);
        Assert.Equal(tenant.TenantId, notification.TenantId);
        Assert.Equal(drive, notification.DriveId);
        Assert.Equal(tag, notification.VersionTag);
        Assert.NotEqual(Guid.Empty, notification.Id);
        Assert.InRange(notification.At, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Nothing_arrives_for_unsubscribed_drives_or_other_tenants(bool messagePack)
    {
        var tenant = await Api.CreateTenantAsync();
        var other = await Api.CreateTenantAsync();
        var followed = await tenant.CreateDriveAsync("followed");
        var ignored = await tenant.CreateDriveAsync("ignored");
        var left = await tenant.CreateDriveAsync("left");
        var foreign = await other.CreateDriveAsync("followed");
        await using var device = await ConnectAsync(await tenant.CreateDeviceAsync((followed, "read"), (ignored, "read"), (left, "read")), messagePack);

        var result = await device.SubscribeAsync(followed, left, foreign);
        Assert.Equal([followed, left], result.Accepted);
        Assert.Equal([foreign], result.Rejected);
        await device.Connection.InvokeAsync(DeviceHubMethods.Unsubscribe, new[] { left });

        await tenant.CreateFileAsync(ignored, Guid.NewGuid());
        await tenant.CreateFileAsync(left, Guid.NewGuid());
        await other.CreateFileAsync(foreign, Guid.NewGuid());
        // The dispatcher publishes each tenant's rows in seq order, so once this later write has arrived,
        // anything wrongly routed from the writes above would have arrived before it.
        var sentinel = Guid.NewGuid();
        await other.CreateFileAsync(foreign, Guid.NewGuid());
        await tenant.CreateFileAsync(followed, sentinel);
        await device.WaitForAsync(n => n.FileId == sentinel, "the sentinel notification");

        var received = Assert.Single(device.Received);
        Assert.Equal((3L, followed), (received.Seq, received.DriveId!.Value));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Twenty_writers_with_one_tag_yield_one_success_nineteen_412s_and_one_fileModified(bool messagePack)
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var file = Guid.NewGuid();
        var tag = await tenant.CreateFileAsync(drive, file);
        await using var device = await ConnectAsync(await tenant.CreateDeviceAsync((drive, "read")), messagePack);
        await device.SubscribeAsync(drive);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => tenant.PutFileAsync(drive, file, new { metadata = new { writer = i } }, tag)));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(19, responses.Count(r => r.StatusCode == HttpStatusCode.PreconditionFailed));
        foreach (var response in responses)
        {
            response.Dispose();
        }

        var sentinel = Guid.NewGuid();
        await tenant.CreateFileAsync(drive, sentinel);
        await device.WaitForAsync(n => n.FileId == sentinel, "the sentinel notification");
        var modified = Assert.Single(device.Received, n => n.Type == NotificationTypes.FileModified);
        Assert.Equal(2, modified.Seq);
        Assert.Equal(3, device.Received.Single(n => n.FileId == sentinel).Seq);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bad_calls_return_hub_errors_and_the_connection_keeps_working(bool messagePack)
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        await using var device = await ConnectAsync(await tenant.CreateDeviceAsync((drive, "read")), messagePack);

        // Each says what the method takes (no bare "Failed to invoke ... due to an error on the server.").
        async Task<string> RefusedAsync(string method, params object?[] args) =>
            (await Assert.ThrowsAsync<HubException>(() => device.Connection.InvokeCoreAsync(method, typeof(object), args))).Message;

        Assert.Contains("Subscribe takes one argument: {driveIds", await RefusedAsync(DeviceHubMethods.Subscribe, (SubscribeRequest?)null));
        Assert.Contains("Subscribe takes one argument: {driveIds", await RefusedAsync(DeviceHubMethods.Subscribe));
        Assert.Contains("Subscribe takes one argument: {driveIds", await RefusedAsync(DeviceHubMethods.Subscribe, new Dictionary<string, object> { ["driveIds"] = NotAGuid }));
        Assert.Contains("Subscribe takes one argument: {driveIds", await RefusedAsync(DeviceHubMethods.Subscribe, "not a request", 42));
        Assert.Contains("resumeFrom must be 0 or more", await RefusedAsync(DeviceHubMethods.Subscribe, new SubscribeRequest { DriveIds = [drive], ResumeFrom = -5 }));
        Assert.Contains("Unsubscribe takes one argument: an array of drive ids", await RefusedAsync(DeviceHubMethods.Unsubscribe, (Guid[]?)null));
        Assert.Contains("Unsubscribe takes one argument: an array of drive ids", await RefusedAsync(DeviceHubMethods.Unsubscribe, NotAGuid));
        Assert.Contains("Ping takes no argument", await RefusedAsync(DeviceHubMethods.Ping, 1));
        Assert.Contains("There is no hub method 'NoSuchMethod'", await RefusedAsync("NoSuchMethod"));

        Assert.InRange(await device.Connection.InvokeAsync<long>(DeviceHubMethods.Ping), 1, long.MaxValue);
        Assert.Equal([drive], (await device.SubscribeAsync(drive)).Accepted);
        var file = Guid.NewGuid();
        await tenant.CreateFileAsync(drive, file);
        await device.WaitForAsync(n => n.FileId == file, "a notification after the bad calls");
    }

    [Fact]
    public async Task An_oversized_message_closes_only_that_connection()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var registered = await tenant.CreateDeviceAsync((drive, "read"));
        await using var bystander = await ConnectAsync(registered, messagePack: false);
        await bystander.SubscribeAsync(drive);
        await using var offender = await ConnectAsync(registered, messagePack: false);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        offender.Connection.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };

        // About 40 KiB of drive ids: over the 32 KiB receive limit.
        var huge = new SubscribeRequest { DriveIds = [.. Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid())] };
        await Assert.ThrowsAnyAsync<Exception>(() => offender.Connection.InvokeAsync<SubscribeResult>(DeviceHubMethods.Subscribe, huge));
        await closed.Task.WaitAsync(Eventually.DefaultTimeout);
        Assert.Equal(HubConnectionState.Disconnected, offender.Connection.State);

        var file = Guid.NewGuid();
        await tenant.CreateFileAsync(drive, file);
        await bystander.WaitForAsync(n => n.FileId == file, "delivery to the other connection");
    }

    [Fact]
    public async Task Connections_without_a_valid_device_token_are_refused()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));

        foreach (var token in new[] { "", "not-a-jwt", await DeviceTokens.ExpiredAsync(node.Host, device), await DeviceTokens.ForgedAsync(device, drive), TamperedToken.Of(device.AccessToken), tenant.OwnerToken })
        {
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => NotificationRecorder.ConnectAsync(node.Host.HubUrl, token, messagePack: false));
            Assert.Contains("401", refused.Message);
        }
    }

    [Fact]
    public async Task The_token_is_also_accepted_as_the_access_token_query_parameter()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var device = await tenant.CreateDeviceAsync((drive, "read"));
        var url = new Uri(node.Host.HubUrl, $"?access_token={Uri.EscapeDataString(device.AccessToken)}");
        await using var recorder = await NotificationRecorder.ConnectAsync(url, token: "", messagePack: true);
        Assert.Equal([drive], (await recorder.SubscribeAsync(drive)).Accepted);
    }

    [Fact]
    public async Task Resuming_without_history_is_answered_with_a_resync()
    {
        var tenant = await Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        await using var device = await ConnectAsync(await tenant.CreateDeviceAsync((drive, "read")), messagePack: false);

        var result = await device.Connection.InvokeAsync<SubscribeResult>(DeviceHubMethods.Subscribe, new SubscribeRequest { DriveIds = [drive], ResumeFrom = 7 });
        Assert.False(result.Recovered);
        await Eventually.TrueAsync(() => device.Resyncs.Count == 1, "a Resync message");
    }
}
