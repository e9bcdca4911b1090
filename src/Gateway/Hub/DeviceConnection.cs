using Microsoft.AspNetCore.SignalR;
using Odin.Gateway.Connections;
using Odin.Shared.Auth;
using Odin.Shared.Realtime;

namespace Odin.Gateway.Hub;

/// <summary>What the gateway remembers about one device connection, kept in <see cref="HubCallerContext.Items"/>.</summary>
internal sealed class DeviceConnection(string connectionId, DeviceIdentity identity, CallBudget budget)
{
    private const string ItemKey = "odin.device";
    private readonly HashSet<Guid> _subscriptions = [];
    private List<NotificationEnvelope>? _resumeBuffer;

    public string ConnectionId { get; } = connectionId;

    public DeviceIdentity Identity { get; } = identity;

    public CallBudget Budget { get; } = budget;

    /// <summary>Drives this connection is subscribed to (a copy: the fan-out reads them concurrently).</summary>
    public IReadOnlyCollection<Guid> Subscriptions
    {
        get
        {
            lock (_subscriptions)
            {
                return [.. _subscriptions];
            }
        }
    }

    public static DeviceConnection? Find(HubCallerContext context) =>
        context.Items.TryGetValue(ItemKey, out var value) ? value as DeviceConnection : null;

    public static DeviceConnection Of(HubCallerContext context) =>
        Find(context) ?? throw new HubException("The connection is not authenticated as a device.");

    public void AttachTo(HubCallerContext context) => context.Items[ItemKey] = this;

    public int SubscriptionCount
    {
        get
        {
            lock (_subscriptions)
            {
                return _subscriptions.Count;
            }
        }
    }

    public bool IsSubscribed(Guid driveId)
    {
        lock (_subscriptions)
        {
            return _subscriptions.Contains(driveId);
        }
    }

    public bool Subscribe(Guid driveId)
    {
        lock (_subscriptions)
        {
            return _subscriptions.Add(driveId);
        }
    }

    public bool Unsubscribe(Guid driveId)
    {
        lock (_subscriptions)
        {
            return _subscriptions.Remove(driveId);
        }
    }

    /// <summary>Whether a notification is for this connection: tenant-wide, or of a subscribed drive.</summary>
    public bool Receives(NotificationEnvelope envelope) => envelope.DriveId is not { } drive || IsSubscribed(drive);

    /// <summary>From now until <see cref="EndResume"/>, live notifications for this connection are kept, not sent.</summary>
    public void BeginResume()
    {
        lock (_subscriptions)
        {
            _resumeBuffer = [];
        }
    }

    /// <summary>Keeps a live notification while resuming; false when not resuming (send it).</summary>
    public bool TryBuffer(NotificationEnvelope envelope)
    {
        lock (_subscriptions)
        {
            _resumeBuffer?.Add(envelope);
            return _resumeBuffer is not null;
        }
    }

    /// <summary>Live again; returns what was kept meanwhile, in arrival (seq) order.</summary>
    public List<NotificationEnvelope> EndResume()
    {
        lock (_subscriptions)
        {
            var kept = _resumeBuffer ?? [];
            _resumeBuffer = null;
            return kept;
        }
    }
}
