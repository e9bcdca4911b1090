using System.Diagnostics;
using Microsoft.AspNetCore.SignalR.Client;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.LoadTest.Resume;

/// <summary>
/// A device as an app writes one: it subscribes on the first gateway, keeps the last seq it processed and the
/// history epoch, and when its connection dies connects to the other gateway (what the load balancer would do)
/// and resumes from that seq. It counts what it processes, drops repeats, and notes a gap or a step back.
/// </summary>
internal sealed class ResumingDevice(string token, Guid drive, bool messagePack) : IAsyncDisposable
{
    private HubConnection? _connection;
    private long _lastSeq;
    private string? _epoch;
    private volatile bool _stopping;
    private int _received;
    private int _repeats;
    private int _gaps;

    public long LastSeq => Interlocked.Read(ref _lastSeq);

    public int Received => Volatile.Read(ref _received);

    /// <summary>Arrivals with a seq already processed (dropped, as an app does).</summary>
    public int Repeats => Volatile.Read(ref _repeats);

    /// <summary>Arrivals that skipped a seq: a notification lost.</summary>
    public int Gaps => Volatile.Read(ref _gaps);

    /// <summary>From the moment given to <see cref="MoveOnClose"/> until the resume was answered; null until then.</summary>
    public TimeSpan? ResumedAfter { get; private set; }

    public bool Recovered { get; private set; }

    public int Attempts { get; private set; }

    public async Task ConnectAsync(string hubUrl)
    {
        _connection = Open(hubUrl);
        await _connection.StartAsync();
        var result = await _connection.InvokeAsync<SubscribeResult>(DeviceHubMethods.Subscribe, new SubscribeRequest { DriveIds = [drive] });
        (_lastSeq, _epoch) = (result.LastSeq, result.Epoch);
    }

    /// <summary>When the connection closes, go to <paramref name="otherHubUrl"/> and resume; the time counts from <paramref name="clock"/>.</summary>
    public void MoveOnClose(string otherHubUrl, Stopwatch clock, TimeSpan jitter) =>
        _connection!.Closed += _ => _stopping ? Task.CompletedTask : MoveAsync(otherHubUrl, clock, jitter);

    private async Task MoveAsync(string hubUrl, Stopwatch clock, TimeSpan jitter)
    {
        await Task.Delay(Random.Shared.NextDouble() * jitter); // devices do not all come back in the same instant
        for (var attempt = 1; !_stopping; attempt++)
        {
            Attempts = attempt;
            var connection = Open(hubUrl);
            try
            {
                await connection.StartAsync();
                var result = await connection.InvokeAsync<SubscribeResult>(DeviceHubMethods.Subscribe,
                    new SubscribeRequest { DriveIds = [drive], ResumeFrom = LastSeq, Epoch = _epoch });
                (_epoch, Recovered, ResumedAfter, _connection) = (result.Epoch, result.Recovered, clock.Elapsed, connection);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or TimeoutException
                                           or System.Net.WebSockets.WebSocketException or OperationCanceledException or Microsoft.AspNetCore.SignalR.HubException)
            {
                await connection.DisposeAsync();
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt)));
            }
        }
    }

    private HubConnection Open(string hubUrl)
    {
        var connection = DeviceConnection.Build(hubUrl, () => Task.FromResult<string?>(token), messagePack);
        connection.On<NotificationEnvelope>(nameof(IDeviceClient.Notification), Process);
        return connection;
    }

    private void Process(NotificationEnvelope envelope)
    {
        // One connection delivers one at a time and the old one is dead before the new one starts.
        var last = Interlocked.Read(ref _lastSeq);
        if (envelope.Seq <= last)
        {
            Interlocked.Increment(ref _repeats);
            return;
        }

        if (envelope.Seq != last + 1)
        {
            Interlocked.Increment(ref _gaps);
        }

        Interlocked.Exchange(ref _lastSeq, envelope.Seq);
        Interlocked.Increment(ref _received);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
