using Microsoft.Extensions.Logging;
using Odin.Contracts;

namespace Odin.Client;

/// <summary>
/// The one owner of where the device stands: its epoch and the last seq the app processed. Everything the app
/// sees passes here, one at a time, so a seq is raised at most once and in increasing order.
/// </summary>
internal sealed class DeviceStream(IDevicePositionStore store, ILogger logger)
{
    private string? _epoch;
    private long _seq;
    private bool _positioned; // false for a device that has never subscribed: its first Subscribe sets its start
    private readonly List<NotificationEnvelope> _beforeStart = []; // a new device's arrivals before its first answer

    /// <summary>Most notifications a new device holds while it waits for its first <c>Subscribe</c> answer (normally a handful).</summary>
    internal const int BeforeStartCapacity = 4096;

    public Func<DeviceNotification, Task>? OnNotification { get; set; }

    public Action<NotificationEnvelope>? OnPresence { get; set; }

    public DevicePosition? Position => _epoch is null ? null : new DevicePosition(_epoch, _seq);

    public long Seq => _seq;

    /// <summary>False until the device's first <c>Subscribe</c> answer set where it starts.</summary>
    public bool IsPositioned => _positioned;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (await store.LoadAsync(cancellationToken) is { } saved)
        {
            (_epoch, _seq, _positioned) = (saved.Epoch, saved.Seq, true);
        }
    }

    /// <summary>What <c>Subscribe</c> asks for: a resume from the position, once there is one.</summary>
    public SubscribeRequest Request(IReadOnlyList<Guid> drives)
    {
        if (_positioned)
        {
            return new SubscribeRequest { DriveIds = [.. drives], ResumeFrom = _seq, Epoch = _epoch };
        }

        _beforeStart.Clear(); // held by a connection that ended before its answer: the new answer starts anew
        return new SubscribeRequest { DriveIds = [.. drives] };
    }

    /// <summary>A notification from the gateway: live, or replayed by a resume.</summary>
    /// <returns>False when more than <see cref="BeforeStartCapacity"/> arrived before the first answer: the connection must end
    /// (the next one's answer starts the device anew), rather than hold them without bound.</returns>
    public async Task<bool> ReceivedAsync(NotificationEnvelope envelope, CancellationToken cancellationToken)
    {
        if (envelope.Seq == 0)
        {
            try
            {
                OnPresence?.Invoke(envelope); // live-only (presence): outside the seq order
            }
            catch (Exception ex)
            {
                DeviceLog.HandlerFailed(logger, ex, "presence", 0);
            }

            return true;
        }

        if (!_positioned)
        {
            // The gateway may send what it hears before it reads the head it answers with: held until the answer says
            // where this device starts, so that it neither takes what came before its start nor skips what follows.
            if (_beforeStart.Count >= BeforeStartCapacity)
            {
                return false;
            }

            _beforeStart.Add(envelope);
            return true;
        }

        if (envelope.Seq > _seq) // else a repeat: a connection that closed mid-delivery, or a resume that overlaps what was live
        {
            await RaiseAsync(new DeviceNotification(envelope, FromChanges: false), cancellationToken);
        }

        return true;
    }

    /// <summary>The answer of <c>Subscribe</c>, in its place among the notifications.</summary>
    public async Task SubscribedAsync(SubscribeResult result, CancellationToken cancellationToken)
    {
        _epoch = result.Epoch;
        if (_positioned)
        {
            await SaveAsync();
            return;
        }

        // A new device starts at the identity's newest seq: what came before it is not its to process.
        _seq = Math.Max(_seq, result.LastSeq);
        _positioned = true;
        await SaveAsync();
        foreach (var held in _beforeStart.OrderBy(n => n.Seq).ToList())
        {
            await ReceivedAsync(held, cancellationToken);
        }

        _beforeStart.Clear();
    }

    /// <summary>Raises what <c>/changes</c> held after the position (in seq order), and moves the position past it.</summary>
    public async Task CaughtUpAsync(IReadOnlyList<ChangesReader.FileChange> changes, long through, Guid tenantId, CancellationToken cancellationToken)
    {
        foreach (var change in changes.Where(c => c.Seq > _seq))
        {
            await RaiseAsync(new DeviceNotification(new NotificationEnvelope
            {
                Id = Guid.Empty,
                Seq = change.Seq,
                Type = change.Deleted ? NotificationTypes.FileDeleted : NotificationTypes.FileModified,
                TenantId = tenantId,
                DriveId = change.DriveId,
                FileId = change.FileId,
                VersionTag = change.VersionTag,
                At = change.Modified,
            }, FromChanges: true), cancellationToken);
        }

        if (through > _seq)
        {
            _seq = through;
            await SaveAsync();
        }
    }

    private async Task RaiseAsync(DeviceNotification notification, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested(); // stopped: the app hears nothing more
        if (OnNotification is { } handler)
        {
            try
            {
                await handler(notification);
            }
            catch (Exception ex)
            {
                // Counted as processed: raising it again would stop the stream at a notification the app cannot take.
                DeviceLog.HandlerFailed(logger, ex, "notification", notification.Envelope.Seq);
            }
        }

        _seq = notification.Envelope.Seq;
        await SaveAsync();
    }

    /// <summary>Kept even when the device is stopping: the app has processed what the position says.</summary>
    private async Task SaveAsync()
    {
        if (_epoch is not null)
        {
            await store.SaveAsync(new DevicePosition(_epoch, _seq), CancellationToken.None);
        }
    }
}
