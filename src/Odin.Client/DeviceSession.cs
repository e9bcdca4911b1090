using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Odin.Contracts;

namespace Odin.Client;

/// <summary>How one connection ended, and so how long the device waits before the next.</summary>
internal enum SessionEnd
{
    /// <summary>It never became live (refused, unreachable, the subscribe failed).</summary>
    Failed,

    /// <summary>The gateway refused the token (401): fetch a new one before the next attempt.</summary>
    TokenRefused,

    /// <summary>It was live, then dropped or was closed by the server.</summary>
    Dropped,

    /// <summary>Its token is near expiry: the device moved on at once.</summary>
    Renewing,

    /// <summary>The app stopped the device.</summary>
    Stopped,
}

/// <summary>
/// One connection to a gateway, from connect to close: it subscribes (resuming from the device's position) and hands
/// what arrives, in arrival order, to the <see cref="DeviceStream"/>. A queue of its own runs the app's handlers one at
/// a time, so a slow handler slows this connection's reading (and the gateway, seeing a slow reader, asks it to
/// reconnect) rather than letting work pile up in memory.
/// </summary>
internal sealed class DeviceSession : IAsyncDisposable
{
    private const int InboxCapacity = 256;

    private readonly HubConnection _connection;
    private readonly Channel<Func<CancellationToken, Task>> _inbox = Channel.CreateBounded<Func<CancellationToken, Task>>(
        new BoundedChannelOptions(InboxCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _live = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DeviceStream _stream;
    private readonly ChangesReader _changes;
    private readonly DeviceTokenResponse _token;
    private readonly IReadOnlyList<Guid> _drives;
    private readonly Action<OdinDeviceState> _state;
    private readonly ILogger _logger;
    private volatile bool _abandoned;
    private int _resyncs; // re-reads done on this connection (both fields are touched only by the queue's one reader)
    private bool _subscribed;

    public DeviceSession(OdinDeviceOptions options, DeviceTokenResponse token, DeviceStream stream, ChangesReader changes,
        Action<OdinDeviceState> state, ILogger logger)
    {
        (_token, _stream, _changes, _drives, _state, _logger) = (token, stream, changes, options.Drives, state, logger);
        var hubUrl = options.HubUrlFor(token);
        var builder = new HubConnectionBuilder().WithUrl(hubUrl, o =>
        {
            o.Transports = HttpTransportType.WebSockets;
            o.SkipNegotiation = true;
            o.AccessTokenProvider = () => Task.FromResult<string?>(token.AccessToken);
        });
        if (options.Protocol == OdinProtocol.MessagePack)
        {
            builder.AddMessagePackProtocol();
        }

        _connection = builder.Build();
        _connection.On<NotificationEnvelope>(nameof(IDeviceClient.Notification), n => EnqueueAsync(ct => _stream.ReceivedAsync(n, ct)));
        _connection.On<string>(nameof(IDeviceClient.Resync), reason => EnqueueAsync(ct => ResyncAsync(reason, ct)));
        _connection.On<string, int>(nameof(IDeviceClient.Reconnect), (reason, retryAfterMs) =>
        {
            DeviceLog.ReconnectAsked(_logger, reason, retryAfterMs);
            RetryAfter = TimeSpan.FromMilliseconds(Math.Max(0, retryAfterMs));
        });
        _connection.Closed += error =>
        {
            _closed.TrySetResult(error);
            return Task.CompletedTask;
        };
    }

    /// <summary>The wait the gateway asked for with <c>Reconnect</c> (null: it did not ask).</summary>
    public TimeSpan? RetryAfter { get; private set; }

    /// <summary>Connects, subscribes and runs until the connection ends, the token needs renewing, or <paramref name="stop"/>.</summary>
    /// <remarks><paramref name="onLive"/> is called once subscribed, after everything a resume replayed was handed to the app.</remarks>
    public async Task<SessionEnd> RunAsync(DateTimeOffset? renewAt, Action onLive, CancellationToken stop)
    {
        var consumer = Task.Run(() => ConsumeAsync(stop), CancellationToken.None);
        try
        {
            return await ConnectAndWaitAsync(renewAt, onLive, stop);
        }
        finally
        {
            // What arrived before the end is still the app's: hand it over before the device resumes from its position.
            _inbox.Writer.TryComplete();
            await consumer;
        }
    }

    private async Task<SessionEnd> ConnectAndWaitAsync(DateTimeOffset? renewAt, Action onLive, CancellationToken stop)
    {
        try
        {
            await _connection.StartAsync(stop);
            var request = _stream.Request(_drives);
            var result = await _connection.InvokeAsync<SubscribeResult>(DeviceHubMethods.Subscribe, request, stop);
            if (result.Rejected.Length > 0)
            {
                DeviceLog.DrivesRejected(_logger, string.Join(", ", result.Rejected));
            }

            await EnqueueAsync(async ct =>
            {
                await _stream.SubscribedAsync(result, ct);
                _subscribed = true;
                // A resume the history could not cover is answered with a Resync, sent on the gateway's queue: it may
                // arrive after this answer. The device is live once it has re-read.
                if (result.Recovered || request.ResumeFrom is null || _resyncs > 0)
                {
                    _live.TrySetResult();
                }
            });
        }
        catch (HttpRequestException ex) when (ex.StatusCode == HttpStatusCode.Unauthorized)
        {
            DeviceLog.TokenRefused(_logger);
            return SessionEnd.TokenRefused;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return SessionEnd.Stopped;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            DeviceLog.ConnectFailed(_logger, ex.Message);
            return SessionEnd.Failed;
        }

        try
        {
            await Task.WhenAny(_live.Task, _closed.Task).WaitAsync(stop);
            if (!_live.Task.IsCompleted)
            {
                return SessionEnd.Failed; // closed before its resume was handed over (e.g. a re-read that failed)
            }

            _state(OdinDeviceState.Live);
            onLive();
            var renewIn = renewAt is { } at ? TimeSpan.FromTicks(Math.Max(0, (at - DateTimeOffset.UtcNow).Ticks)) : Timeout.InfiniteTimeSpan;
            var error = await _closed.Task.WaitAsync(renewIn, stop);
            DeviceLog.Ended(_logger, error?.Message ?? "closed");
            return _abandoned ? SessionEnd.Failed : SessionEnd.Dropped;
        }
        catch (TimeoutException)
        {
            return SessionEnd.Renewing;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return SessionEnd.Stopped;
        }
    }

    private Task EnqueueAsync(Func<CancellationToken, Task> work) => _inbox.Writer.WriteAsync(work).AsTask();

    private async Task ConsumeAsync(CancellationToken stop)
    {
        await foreach (var work in _inbox.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (_abandoned || stop.IsCancellationRequested)
            {
                continue; // drained, not run
            }

            try
            {
                await work(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // stopped mid-way: nothing more reaches the app
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The position store failed: going on would raise what follows without having kept where the app is.
                DeviceLog.PositionNotKept(_logger, ex);
                Abandon();
            }
        }
    }

    /// <summary>
    /// The history could not cover a gap: re-read <c>/changes</c> before anything that came after the <c>Resync</c>.
    /// If that fails, this connection must not go on past the gap: it is closed, and the next one resumes from the
    /// position (and is told to re-read again).
    /// </summary>
    private async Task ResyncAsync(string reason, CancellationToken stop)
    {
        DeviceLog.Resyncing(_logger, reason, _stream.Seq);
        _state(OdinDeviceState.Resyncing);
        try
        {
            var (changes, through) = await _changes.ReadAsync(_drives, _stream.Seq, _token.AccessToken, stop);
            await _stream.CaughtUpAsync(changes, through, DeviceTokens.TenantIdOf(_token.AccessToken), stop);
            DeviceLog.Resynced(_logger, changes.Count, through);
            _resyncs++;
            if (_live.Task.IsCompleted)
            {
                _state(OdinDeviceState.Live);
            }
            else if (_subscribed)
            {
                _live.TrySetResult(); // Subscribe answered before this Resync arrived, and waited for it
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !stop.IsCancellationRequested)
        {
            DeviceLog.ResyncFailed(_logger, ex.Message);
            Abandon();
        }
    }

    private void Abandon()
    {
        _abandoned = true;
        _ = _connection.StopAsync(); // not awaited here: this runs on the queue the connection's handlers wait for
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
