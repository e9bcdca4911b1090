using Microsoft.AspNetCore.SignalR;
using Odin.Gateway.Identities;
using Odin.ClusterPrimitives.Auth;
using Odin.Contracts;

namespace Odin.Gateway.Connections;

/// <summary>What the gateway remembers about one device connection, held in <see cref="LocalConnections"/> by its id.</summary>
internal sealed class DeviceConnection(HubConnectionContext context, DeviceIdentity identity, IdentityStream stream, CallBudget budget, SlowConsumers slowConsumers)
{
    private readonly HashSet<Guid> _subscriptions = [];
    private readonly TaskCompletionSource _gone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _live;

    public string ConnectionId => context.ConnectionId;

    public DeviceIdentity Identity { get; } = identity;

    /// <summary>Its identity's notification state on this gateway, shared with the identity's other connections here.</summary>
    public IdentityStream Stream { get; } = stream;

    public CallBudget Budget { get; } = budget;

    /// <summary>
    /// The newest seq a resume replayed to this connection: a live notification at or below it reached the device by
    /// the replay (its identity's stream reads and writes it, under the identity's lock). 0 until a resume.
    /// </summary>
    public long DeliveredThrough { get; set; }

    /// <summary>The recording of this connection in the presence registry (done alongside admission, not before it).</summary>
    public Task PresenceRecorded { get; set; } = Task.CompletedTask;

    /// <summary>Everything sent to this device after admission goes through here, in order.</summary>
    public SendQueue Queue { get; } = new(context, slowConsumers);

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

    /// <summary>Whether the connection has answered a <c>Subscribe</c> and so receives its identity's notifications.</summary>
    public bool IsLive
    {
        get
        {
            lock (_subscriptions)
            {
                return _live;
            }
        }
    }

    public void Abort() => context.Abort();

    /// <summary>Completes once the connection has ended and its transport finished (the hub's OnDisconnected ran).</summary>
    public Task Gone => _gone.Task;

    public void Ended() => _gone.TrySetResult();

    /// <summary>True the first time: from now on the identity's notifications are for this connection.</summary>
    public bool GoLive()
    {
        lock (_subscriptions)
        {
            var first = !_live;
            _live = true;
            return first;
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
}
