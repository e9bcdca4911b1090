using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Odin.Contracts;

namespace Odin.Client;

/// <summary>
/// An Odin device: connects to its identity's gateways, keeps its token fresh, and raises each notification of its
/// drives once and in seq order, across drops, gateway restarts and drains, slow-reader closes and Redis restarts.
/// It resumes every new connection from its position (epoch and last seq), re-reads <c>/changes</c> when told
/// <c>Resync</c>, and backs off with jitter between attempts.
/// </summary>
/// <example>
/// <code>
/// await using var device = new OdinDevice(new OdinDeviceOptions { Domain = "frodo.example", DeviceId = id, DeviceSecret = secret, Drives = [drive] });
/// device.OnNotification(n => { Console.WriteLine($"{n.Envelope.Seq} {n.Envelope.Type} {n.Envelope.FileId}"); return Task.CompletedTask; });
/// await device.StartAsync();
/// </code>
/// </example>
public sealed class OdinDevice : IAsyncDisposable
{
    private readonly OdinDeviceOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient? _ownHttp;
    private readonly DeviceTokens _tokens;
    private readonly ChangesReader _changes;
    private readonly DeviceStream _stream;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstLive = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _run = Task.CompletedTask;
    private int _started;
    private OdinDeviceState _state = OdinDeviceState.Stopped;

    public OdinDevice(OdinDeviceOptions options)
    {
        options.Validate();
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger<OdinDevice>() ?? (ILogger)NullLogger.Instance;
        var http = new OdinHttp(options, options.Http ?? (_ownHttp = new HttpClient()));
        _tokens = new DeviceTokens(options, http, _logger);
        _changes = new ChangesReader(http);
        _stream = new DeviceStream(options.PositionStore, _logger);
    }

    /// <summary>Raised when the device moves between connecting, live, resyncing and reconnecting, and when it stops.</summary>
    public event Action<OdinDeviceState>? StateChanged;

    /// <summary>Raised once when the device stops: by <see cref="StopAsync"/>, or for good by the server (revoked, identity disabled or gone).</summary>
    public event Action<DeviceStopReason>? Stopped;

    public OdinDeviceState State => _state;

    /// <summary>The device's position: the history epoch and the last seq the app processed (null before the first subscribe).</summary>
    public DevicePosition? Position => _stream.Position;

    /// <summary>
    /// The app's handler: called for each notification with a seq, one at a time, in seq order, each seq once. The next
    /// one waits for the returned task; an exception is logged and the notification counts as processed.
    /// Set it before <see cref="StartAsync"/>.
    /// </summary>
    public void OnNotification(Func<DeviceNotification, Task> handler) => _stream.OnNotification = handler;

    /// <summary>Presence events (<c>deviceConnected</c>, <c>deviceDisconnected</c>): live only, outside the seq order.</summary>
    public void OnPresence(Action<NotificationEnvelope> handler) => _stream.OnPresence = handler;

    /// <summary>
    /// Starts the device and returns once it is live the first time (subscribed, and what it missed handed to the app).
    /// Throws <see cref="OdinRefusedException"/> when the server refuses the device for good; until then it keeps trying,
    /// so pass a <paramref name="cancellationToken"/> to give up waiting (the device goes on trying in the background).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("This OdinDevice was started already.");
        }

        await _stream.LoadAsync(cancellationToken);
        _run = Task.Run(RunAsync, CancellationToken.None);
        await _firstLive.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops the device: its connection closes, and no handler runs once this returns.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _run;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _ownHttp?.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var stop = _stop.Token;
        var failures = 0;
        var wait = TimeSpan.Zero;
        DeviceStopReason reason = new(DeviceStopKind.Stopped, "Stopped by the app.");
        while (!stop.IsCancellationRequested)
        {
            if (wait > TimeSpan.Zero)
            {
                SetState(OdinDeviceState.Reconnecting);
                DeviceLog.Waiting(_logger, (long)wait.TotalMilliseconds);
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            SetState(OdinDeviceState.Connecting);
            DeviceTokenResponse token;
            try
            {
                token = await _tokens.GetAsync(stop);
            }
            catch (OdinRefusedException refused)
            {
                DeviceLog.Refused(_logger, refused.Kind, refused.Message);
                reason = new DeviceStopReason(refused.Kind, refused.Message);
                _firstLive.TrySetException(refused);
                break;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                DeviceLog.NoToken(_logger, ex.Message);
                wait = Backoff.AfterFailure(++failures, _options.MaxBackoff);
                continue;
            }

            await using var session = new DeviceSession(_options, token, _stream, _changes, _tokens, SetState, _logger);
            var end = await session.RunAsync(_tokens.RenewAt, () => _firstLive.TrySetResult(), stop);
            (wait, failures) = end switch
            {
                SessionEnd.Dropped => (session.RetryAfter is { } after && after > TimeSpan.Zero
                    ? Backoff.AfterRetryAfter(after) : Backoff.AfterDrop(_options.ReconnectJitter), 0),
                SessionEnd.Renewing => (TimeSpan.Zero, 0),
                SessionEnd.TokenRefused => (Backoff.AfterFailure(failures + 1, _options.MaxBackoff), failures + 1),
                _ => (Backoff.AfterFailure(failures + 1, _options.MaxBackoff), failures + 1),
            };
            if (end is SessionEnd.TokenRefused or SessionEnd.Failed)
            {
                // A gateway closes a revoked device's connection without a word: a fresh token is how the device learns it.
                _tokens.Invalidate();
            }

            if (end == SessionEnd.TokenRefused && failures == 1)
            {
                wait = TimeSpan.Zero; // the token expired or was replaced: a new one, at once
            }
        }

        SetState(OdinDeviceState.Stopped);
        _firstLive.TrySetCanceled();
        try
        {
            Stopped?.Invoke(reason);
        }
        catch (Exception ex)
        {
            DeviceLog.HandlerFailed(_logger, ex, nameof(Stopped), 0);
        }
    }

    private void SetState(OdinDeviceState state)
    {
        if (_state == state)
        {
            return;
        }

        _state = state;
        try
        {
            StateChanged?.Invoke(state);
        }
        catch (Exception ex)
        {
            DeviceLog.HandlerFailed(_logger, ex, nameof(StateChanged), 0);
        }
    }
}
