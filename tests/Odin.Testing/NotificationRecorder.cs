using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;

using Odin.Contracts;

namespace Odin.Testing;

/// <summary>
/// A device that speaks the hub's protocol directly (a real SignalR .NET client) and records everything the hub sends
/// it: the observer for tests of the server's side of the contract (what is sent, in what order, when). Tests of what
/// an app sees use the SDKs (<see cref="SdkDevice"/>, <see cref="JsDevice"/>).
/// </summary>
public sealed class NotificationRecorder : IAsyncDisposable
{
    private readonly ConcurrentQueue<NotificationEnvelope> _received = new();
    private readonly ConcurrentQueue<long> _latenciesMs = new();
    private readonly ConcurrentQueue<string> _resyncs = new();
    private readonly ConcurrentQueue<NotificationEnvelope> _presence = new();
    private readonly List<long> _processed = [];
    private long _lastProcessed;
    private Guid[] _subscribed = [];
    private int _reconnections;
    private int _drops;
    private volatile bool _resumePending;
    private int _comingBack;
    private long _cursor;
    private string? _epoch;

    private readonly ConcurrentQueue<string> _reconnectRequests = new();
    private readonly ConcurrentQueue<int> _reconnectWaits = new();
    private readonly ConcurrentQueue<(TimelineEvent Event, DateTimeOffset At)> _timeline = new();
    private volatile bool _disposed;

    private NotificationRecorder(HubConnection connection, bool comeBack)
    {
        Connection = connection;
        connection.On<NotificationEnvelope>(nameof(IDeviceClient.Notification), n =>
        {
            if (n.Seq == 0)
            {
                _presence.Enqueue(n); // live-only events (presence) stand outside the seq order
                return;
            }

            // Same machine, same clock: from the change's timestamp (taken in its transaction) to arrival.
            _latenciesMs.Enqueue(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - n.At);
            _received.Enqueue(n);
            lock (_processed)
            {
                if (n.Seq > _lastProcessed)
                {
                    _processed.Add(n.Seq);
                    _lastProcessed = n.Seq;
                }
            }

            InterlockedMax(ref _cursor, n.Seq);
        });
        connection.On<string>(nameof(IDeviceClient.Resync), _resyncs.Enqueue);
        connection.On<string, int>(nameof(IDeviceClient.Reconnect), (reason, retryAfterMs) =>
        {
            _reconnectRequests.Enqueue(reason);
            _reconnectWaits.Enqueue(retryAfterMs);
        });
        if (comeBack)
        {
            // The server closed the connection (told to reconnect: a draining gateway, a limit): start again, as a device does.
            connection.Closed += _ => _disposed || Interlocked.Exchange(ref _comingBack, 1) == 1 ? Task.CompletedTask : ComeBackAsync();
        }

        // After an automatic reconnect (a new connection, maybe to another gateway) resume from what it had, as a device does.
        connection.Reconnecting += _ =>
        {
            Dropped();
            return Task.CompletedTask;
        };
        connection.Reconnected += async _ =>
        {
            try
            {
                await ResumeAsync(Cursor, _epoch);
                Resumed();
            }
            catch (Exception ex) when (ex is InvalidOperationException or Microsoft.AspNetCore.SignalR.HubException or TaskCanceledException)
            {
                // the new connection closed again before the resume (a draining gateway): the next one resumes
            }
        };
    }

    /// <summary>Reconnects that ended in a successful resume.</summary>
    public int Reconnections => Volatile.Read(ref _reconnections);

    /// <summary>Times the connection dropped or was closed and began coming back.</summary>
    public int Drops => Volatile.Read(ref _drops);

    /// <summary>Connected, and resumed since the last drop.</summary>
    public bool IsSettled => Connection.State == HubConnectionState.Connected && !_resumePending;

    public HubConnection Connection { get; }

    /// <summary>Notifications with a seq, in arrival order.</summary>
    public IReadOnlyList<NotificationEnvelope> Received => [.. _received];

    public IReadOnlyList<string> Resyncs => [.. _resyncs];

    /// <summary>
    /// The seqs an app would process: each arrival with a seq above the last processed (a device drops what it
    /// has, as the resume contract asks: a notification can arrive twice when a connection closes mid-delivery).
    /// </summary>
    public IReadOnlyList<long> Processed
    {
        get
        {
            lock (_processed)
            {
                return [.. _processed];
            }
        }
    }

    /// <summary>Presence events (<c>deviceConnected</c>, <c>deviceDisconnected</c>: seq 0, live only), apart from <see cref="Received"/>.</summary>
    public IReadOnlyList<NotificationEnvelope> Presence => [.. _presence];

    /// <summary>Milliseconds from each notification's commit timestamp to its arrival here.</summary>
    public IReadOnlyList<long> LatenciesMs => [.. _latenciesMs];

    /// <summary>Reconnect requests the server sent (with their reasons).</summary>
    public IReadOnlyList<string> ReconnectRequests => [.. _reconnectRequests];

    /// <summary>The <c>retryAfterMs</c> of each Reconnect request, in order.</summary>
    public IReadOnlyList<int> ReconnectWaits => [.. _reconnectWaits];

    /// <summary>What the device saw, in order: the server's Reconnect requests and the drops of its connection.</summary>
    public IReadOnlyList<(TimelineEvent Event, DateTimeOffset At)> Timeline => [.. _timeline];

    /// <param name="reconnect">Come back by itself after a drop or a close by the server, and resume.</param>
    public static async Task<NotificationRecorder> ConnectAsync(Uri hubUrl, string token, bool messagePack, bool reconnect = false)
    {
        NotificationRecorder? recorder = null;
        recorder = new NotificationRecorder(
            DeviceConnection.Build(hubUrl.ToString(), () => Task.FromResult<string?>(token), messagePack, reconnect, onArrival: m => recorder?.Arrived(m)), reconnect);
        await recorder.Connection.StartAsync();
        return recorder;
    }

    /// <summary>The newest seq this device has: the newest received, or the history's head when it subscribed.</summary>
    public long Cursor => Interlocked.Read(ref _cursor);

    /// <summary>The history epoch the cursor belongs to.</summary>
    public string? Epoch => _epoch;

    /// <summary>The results of every resume so far (automatic reconnects included).</summary>
    public IReadOnlyList<SubscribeResult> Resumes => [.. _resumes];

    private readonly ConcurrentQueue<SubscribeResult> _resumes = new();

    public async Task<SubscribeResult> SubscribeAsync(params Guid[] driveIds)
    {
        _subscribed = driveIds;
        var result = await Connection.InvokeAsync<SubscribeResult>(DeviceHubMethods.Subscribe, new SubscribeRequest { DriveIds = driveIds });
        _epoch = result.Epoch;
        InterlockedMax(ref _cursor, result.LastSeq);
        return result;
    }

    /// <summary>Subscribes to the drives subscribed before, resuming after <paramref name="cursor"/> of <paramref name="epoch"/>.</summary>
    public async Task<SubscribeResult> ResumeAsync(long cursor, string? epoch, params Guid[] driveIds)
    {
        if (driveIds.Length > 0)
        {
            _subscribed = driveIds;
        }

        var result = await Connection.InvokeAsync<SubscribeResult>(
            DeviceHubMethods.Subscribe, new SubscribeRequest { DriveIds = _subscribed, ResumeFrom = cursor, Epoch = epoch });
        _epoch = result.Epoch;
        InterlockedMax(ref _cursor, Math.Max(cursor, result.Recovered ? 0 : result.LastSeq));
        _resumes.Enqueue(result);
        return result;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var seen = Interlocked.Read(ref target); value > seen; seen = Interlocked.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    /// <summary>Waits until a notification matching <paramref name="match"/> has arrived and returns it.</summary>
    public async Task<NotificationEnvelope> WaitForAsync(Func<NotificationEnvelope, bool> match, string what, TimeSpan? timeout = null)
    {
        NotificationEnvelope? found = null;
        await Eventually.TrueAsync(() => (found = _received.FirstOrDefault(match)) is not null, what, timeout);
        return found!;
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return Connection.DisposeAsync();
    }

    /// <summary>A message read from the server, before the client handles it: where the timeline notes a <c>Reconnect</c>.</summary>
    private void Arrived(HubMessage message)
    {
        if (message is InvocationMessage { Target: nameof(IDeviceClient.Reconnect) })
        {
            _timeline.Enqueue((TimelineEvent.ReconnectRequested, DateTimeOffset.UtcNow));
        }
    }

    private void Dropped()
    {
        _timeline.Enqueue((TimelineEvent.Dropped, DateTimeOffset.UtcNow));
        Interlocked.Increment(ref _drops);
        _resumePending = true;
    }

    private void Resumed()
    {
        Interlocked.Increment(ref _reconnections);
        _resumePending = false;
    }

    private async Task ComeBackAsync()
    {
        Dropped();
        try
        {
            await StartAndResumeAsync();
        }
        finally
        {
            Volatile.Write(ref _comingBack, 0);
        }

        // Closed again between the resume and the line above (its Closed event was ignored): come back again.
        if (!_disposed && Connection.State == HubConnectionState.Disconnected && Interlocked.Exchange(ref _comingBack, 1) == 0)
        {
            _ = ComeBackAsync();
        }
    }

    private async Task StartAndResumeAsync()
    {
        for (var attempt = 0; !_disposed; attempt++)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt))); // a device's back-off between attempts
                await Connection.StartAsync();
                await ResumeAsync(Cursor, _epoch);
                Resumed();
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or System.Net.WebSockets.WebSocketException
                                           or Microsoft.AspNetCore.SignalR.HubException or TaskCanceledException)
            {
                // refused or not reachable yet: try again
            }
        }
    }
}

/// <summary>An entry of <see cref="NotificationRecorder.Timeline"/>.</summary>
public enum TimelineEvent
{
    /// <summary>A <c>Reconnect</c> from the server was read (noted as it arrives, before the client's handler runs).</summary>
    ReconnectRequested,

    /// <summary>The connection closed or broke (and the device began coming back, if it does).</summary>
    Dropped,
}
