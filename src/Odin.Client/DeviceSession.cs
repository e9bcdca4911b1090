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

    /// <summary>A new token is in hand (the old one is near expiry): the device moves onto it at once.</summary>
    Renewing,

    /// <summary>The app stopped the device.</summary>
    Stopped,
}

/// <summary>
/// One connection to a gateway, from connect to close: it subscribes (resuming from the device's position) and hands
/// what arrives, in arrival order, to the <see cref="DeviceStream"/> through a queue of its own that runs the app's
/// handler one call at a time. SignalR's client reads the socket into a buffer of its own whatever the handlers do,
/// so the queue is bounded here: an app slower than its notifications (more than <see cref="InboxCapacity"/> waiting)
/// gets the connection closed and resumes from its position, as the gateway would ask a slow reader to.
/// </summary>
internal sealed class DeviceSession : IAsyncDisposable
{
    /// <summary>Room for a whole replay (the history's default cap is 1000) and a full gateway send queue (1000).</summary>
    private const int InboxCapacity = 4096;

    /// <summary>How soon to try a token renewal again when the token endpoint could not answer.</summary>
    private static readonly TimeSpan RenewalRetry = TimeSpan.FromSeconds(10);

    private readonly HubConnection _connection;
    private readonly Channel<Func<CancellationToken, Task>> _inbox = Channel.CreateBounded<Func<CancellationToken, Task>>(
        new BoundedChannelOptions(InboxCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _live = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SubscribeResult> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DeviceStream _stream;
    private readonly ChangesReader _changes;
    private readonly DeviceTokens _tokens;
    private readonly DeviceTokenResponse _token;
    private readonly IReadOnlyList<Guid> _drives;
    private readonly Action<OdinDeviceState> _state;
    private readonly ILogger _logger;
    private volatile bool _abandoned;
    private volatile bool _ending;
    private int _resyncs; // re-reads done on this connection (both fields are touched only by the queue's one reader)
    private bool _subscribed;

    public DeviceSession(OdinDeviceOptions options, DeviceTokenResponse token, DeviceStream stream, ChangesReader changes, DeviceTokens tokens,
        Action<OdinDeviceState> state, ILogger logger)
    {
        (_token, _stream, _changes, _tokens, _drives, _state, _logger) = (token, stream, changes, tokens, options.Drives, state, logger);
        var builder = new HubConnectionBuilder().WithUrl(options.HubUrlFor(token), o =>
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
        _connection.On<NotificationEnvelope>(nameof(IDeviceClient.Notification), n => Enqueue(async ct =>
        {
            if (!await _stream.ReceivedAsync(n, ct))
            {
                DeviceLog.TooManyBeforeAnswer(_logger, DeviceStream.BeforeStartCapacity);
                Abandon();
            }
        }));
        _connection.On<string>(nameof(IDeviceClient.Resync), reason => Enqueue(ct => ResyncAsync(reason, ct)));
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

    /// <summary>Connects, subscribes and runs until the connection ends, the token has been renewed, or <paramref name="stop"/>.</summary>
    /// <remarks><paramref name="onLive"/> is called once subscribed (and, for a resume told to re-read, re-read).</remarks>
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
            _ending = true;
            _answer.TrySetCanceled(CancellationToken.None);
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
            _answer.TrySetResult(result);
            if (result.Rejected.Length > 0)
            {
                DeviceLog.DrivesRejected(_logger, string.Join(", ", result.Rejected));
            }

            Enqueue(async ct =>
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
            return NotLive();
        }

        try
        {
            await Task.WhenAny(_live.Task, _closed.Task).WaitAsync(stop);
            if (!_live.Task.IsCompleted)
            {
                return NotLive(); // closed before its resume was handed over (e.g. a re-read that failed)
            }

            _state(OdinDeviceState.Live);
            onLive();
            return await WaitForTheEndAsync(renewAt, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return SessionEnd.Stopped;
        }
    }

    /// <summary>
    /// A connection that never became live: a gateway that refused it with <c>Reconnect</c> (draining, a limit) asked for
    /// its wait; anything else failed.
    /// </summary>
    private SessionEnd NotLive() => RetryAfter is not null && !_abandoned ? SessionEnd.Dropped : SessionEnd.Failed;

    /// <summary>
    /// Waits until the connection ends, or until its token is due for renewal and a new one is in hand (the connection
    /// lasts meanwhile: a token endpoint that cannot answer now does not take the device offline).
    /// </summary>
    private async Task<SessionEnd> WaitForTheEndAsync(DateTimeOffset? renewAt, CancellationToken stop)
    {
        while (true)
        {
            // Timers take at most about 49 days: a later renewal is waited for in steps.
            var wait = renewAt is { } at ? TimeSpan.FromTicks(Math.Clamp((at - DateTimeOffset.UtcNow).Ticks, 0, TimeSpan.FromDays(1).Ticks)) : Timeout.InfiniteTimeSpan;
            try
            {
                var error = await _closed.Task.WaitAsync(wait, stop);
                DeviceLog.Ended(_logger, error?.Message ?? "closed");
                return _abandoned ? SessionEnd.Failed : SessionEnd.Dropped;
            }
            catch (TimeoutException)
            {
                if (renewAt > DateTimeOffset.UtcNow)
                {
                    continue;
                }

                if (await _tokens.RenewAsync(stop))
                {
                    return SessionEnd.Renewing;
                }

                renewAt = DateTimeOffset.UtcNow + RenewalRetry;
            }
        }
    }

    /// <summary>Queues work for the app's side, in arrival order, without waiting (SignalR's dispatch must not wait here).</summary>
    private void Enqueue(Func<CancellationToken, Task> work)
    {
        if (!_inbox.Writer.TryWrite(work) && !_ending && !_abandoned)
        {
            DeviceLog.AppTooSlow(_logger, InboxCapacity);
            Abandon();
        }
    }

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
    /// The history could not cover a gap: re-read <c>/changes</c> of the drives this connection follows before anything
    /// that came after the <c>Resync</c>. If that fails, this connection must not go on past the gap: it is closed, and
    /// the next one resumes from the position (and is told to re-read again).
    /// </summary>
    private async Task ResyncAsync(string reason, CancellationToken stop)
    {
        DeviceLog.Resyncing(_logger, reason, _stream.Seq);
        _state(OdinDeviceState.Resyncing);
        try
        {
            // The drives to re-read are those Subscribe accepted (a drive no longer granted would fail every re-read),
            // and a new device's start is the answer's head: both come with the answer, which may follow the Resync.
            var answer = await _answer.Task.WaitAsync(stop);
            if (!_stream.IsPositioned)
            {
                await _stream.SubscribedAsync(answer, stop);
            }

            var (changes, through) = await _changes.ReadAsync(answer.Accepted, _stream.Seq, _token.AccessToken, stop);
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
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException && !stop.IsCancellationRequested)
        {
            DeviceLog.ResyncFailed(_logger, ex.Message);
            Abandon();
        }
    }

    private void Abandon()
    {
        _abandoned = true;
        _ = _connection.StopAsync(); // not awaited here: this may run on SignalR's dispatch, which the stop waits for
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
