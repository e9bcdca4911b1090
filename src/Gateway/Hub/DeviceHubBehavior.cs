using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Odin.Shared.Auth;
using Odin.Shared.Realtime;

namespace Odin.Gateway.Hub;

/// <summary>The device hub's behaviour: authentication check, drive subscriptions, ping.</summary>
internal sealed partial class DeviceHubBehavior(
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<DeviceHubBehavior> logger) : IDeviceHubBehavior
{
    public async Task OnConnectedAsync(Hub<IDeviceClient> hub)
    {
        var identity = hub.Context.User is { } user ? DeviceTokenClaims.Read(user) : null;
        if (identity is null)
        {
            // The token verified but does not have the device claims: not a device token.
            LogRejectedToken(logger, hub.Context.ConnectionId);
            hub.Context.Abort();
            return;
        }

        new DeviceConnection(identity).AttachTo(hub.Context);
        await hub.Groups.AddToGroupAsync(hub.Context.ConnectionId, HubGroups.Tenant(identity.TenantId));
    }

    public Task OnDisconnectedAsync(Hub<IDeviceClient> hub, Exception? exception) => Task.CompletedTask;

    public async Task<SubscribeResult> SubscribeAsync(Hub<IDeviceClient> hub, SubscribeRequest request)
    {
        if (request?.DriveIds is null)
        {
            throw new HubException("Subscribe needs a request with driveIds.");
        }

        var connection = DeviceConnection.Of(hub.Context);
        var limit = options.Value.MaxSubscriptionsPerConnection;
        var accepted = new List<Guid>();
        var rejected = new List<Guid>();
        foreach (var driveId in request.DriveIds.Distinct())
        {
            var allowed = connection.Identity.CanRead(driveId)
                && (connection.Subscriptions.Contains(driveId) || connection.Subscriptions.Count < limit);
            if (!allowed)
            {
                rejected.Add(driveId);
                continue;
            }

            if (connection.Subscriptions.Add(driveId))
            {
                await hub.Groups.AddToGroupAsync(hub.Context.ConnectionId, HubGroups.Drive(connection.Identity.TenantId, driveId));
            }

            accepted.Add(driveId);
        }

        // This gateway keeps no history yet, so a resume can never be covered: tell the device to re-read.
        if (request.ResumeFrom is not null && accepted.Count > 0)
        {
            await hub.Clients.Caller.Resync("No notification history is kept: re-read /changes from your cursor.");
        }

        return new SubscribeResult { Accepted = [.. accepted], Rejected = [.. rejected], Recovered = false, LastSeq = 0 };
    }

    public async Task UnsubscribeAsync(Hub<IDeviceClient> hub, Guid[] driveIds)
    {
        if (driveIds is null)
        {
            throw new HubException("Unsubscribe needs a list of drive ids.");
        }

        var connection = DeviceConnection.Of(hub.Context);
        foreach (var driveId in driveIds)
        {
            if (connection.Subscriptions.Remove(driveId))
            {
                await hub.Groups.RemoveFromGroupAsync(hub.Context.ConnectionId, HubGroups.Drive(connection.Identity.TenantId, driveId));
            }
        }
    }

    public Task<long> PingAsync(Hub<IDeviceClient> hub) => Task.FromResult(time.GetUtcNow().ToUnixTimeMilliseconds());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {ConnectionId} closed: its token has no device claims")]
    private static partial void LogRejectedToken(ILogger logger, string connectionId);
}
