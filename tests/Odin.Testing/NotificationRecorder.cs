using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR.Client;
using Odin.LoadTest;
using Odin.Shared.Realtime;

namespace Odin.Testing;

/// <summary>A real SignalR .NET client device that records everything the hub sends it.</summary>
public sealed class NotificationRecorder : IAsyncDisposable
{
    private readonly ConcurrentQueue<NotificationEnvelope> _received = new();
    private readonly ConcurrentQueue<long> _latenciesMs = new();
    private readonly ConcurrentQueue<string> _resyncs = new();
    private Guid[] _subscribed = [];
    private int _reconnections;
    private int _drops;

    private NotificationRecorder(HubConnection connection)
    {
        Connection = connection;
        connection.On<NotificationEnvelope>(nameof(IDeviceClient.Notification), n =>
        {
            // Same machine, same clock: from the change's timestamp (taken in its transaction) to arrival.
            _latenciesMs.Enqueue(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - n.At);
            _received.Enqueue(n);
        });
        connection.On<string>(nameof(IDeviceClient.Resync), reason => _resyncs.Enqueue(reason));
        // After an automatic reconnect (a new connection, maybe to another gateway) subscribe again, as a device does.
        connection.Reconnecting += _ =>
        {
            Interlocked.Increment(ref _drops);
            return Task.CompletedTask;
        };
        connection.Reconnected += async _ =>
        {
            await SubscribeAsync(_subscribed);
            Interlocked.Increment(ref _reconnections);
        };
    }

    /// <summary>Automatic reconnects completed, each followed by a new Subscribe.</summary>
    public int Reconnections => Volatile.Read(ref _reconnections);

    /// <summary>Times the connection dropped and began reconnecting.</summary>
    public int Drops => Volatile.Read(ref _drops);

    /// <summary>Connected, and subscribed again after every drop.</summary>
    public bool IsSettled => Connection.State == HubConnectionState.Connected && Reconnections == Drops;

    public HubConnection Connection { get; }

    public IReadOnlyList<NotificationEnvelope> Received => [.. _received];

    public IReadOnlyList<string> Resyncs => [.. _resyncs];

    /// <summary>Milliseconds from each notification's commit timestamp to its arrival here.</summary>
    public IReadOnlyList<long> LatenciesMs => [.. _latenciesMs];

    public static async Task<NotificationRecorder> ConnectAsync(Uri hubUrl, string token, bool messagePack, bool reconnect = false)
    {
        var recorder = new NotificationRecorder(DeviceConnection.Build(hubUrl.ToString(), () => Task.FromResult<string?>(token), messagePack, reconnect));
        await recorder.Connection.StartAsync();
        return recorder;
    }

    public Task<SubscribeResult> SubscribeAsync(params Guid[] driveIds)
    {
        _subscribed = driveIds;
        return Connection.InvokeAsync<SubscribeResult>(nameof(DeviceHub.Subscribe), new SubscribeRequest { DriveIds = driveIds });
    }

    /// <summary>Waits until a notification matching <paramref name="match"/> has arrived and returns it.</summary>
    public async Task<NotificationEnvelope> WaitForAsync(Func<NotificationEnvelope, bool> match, string what, TimeSpan? timeout = null)
    {
        NotificationEnvelope? found = null;
        await Eventually.TrueAsync(() => (found = _received.FirstOrDefault(match)) is not null, what, timeout);
        return found!;
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
