using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Odin.Gateway.Connections;

/// <summary>
/// Everything the gateway sends one device after it is admitted goes through its send queue, in order. While the
/// transport takes a write at once (the usual case: its own buffer has room) the message is written straight away
/// and nothing is kept. While a write waits (the device reads slower than notifications arrive and the transport's
/// buffer is full) later messages wait here, at most <see cref="SlowConsumers.Limit"/> of them. One more and the
/// device is a slow consumer: what waits is dropped, it is told to reconnect (it will resume from its last seq)
/// and closed. So a device that cannot keep up neither grows the gateway's memory nor holds up anyone else's
/// notifications: nobody ever waits for one device's write.
/// What waits when a write completes goes out together, in one write and one flush (<see cref="WriteBatch"/>): a burst
/// of notifications costs a device's socket a send or two, not one each.
/// </summary>
internal sealed class SendQueue(HubConnectionContext connection, SlowConsumers policy)
{
    private readonly Lock _lock = new();
    private Queue<SerializedHubMessage>? _waiting; // only while a write is in flight
    private List<SerializedHubMessage>? _batch; // what the write loop took from _waiting for its next write (the loop's own)
    private bool _writing;
    private bool _closing;
    private bool _overflowed;
    private TaskCompletionSource? _room;
    private TaskCompletionSource? _closed;

    /// <summary>Whether the connection is being closed (nothing more is sent but its last message).</summary>
    public bool IsClosing
    {
        get
        {
            lock (_lock)
            {
                return _closing;
            }
        }
    }

    /// <summary>
    /// True for the first of the overflows that end this connection, false for any after it or once it is closing:
    /// two senders that overflow it at the same moment close it, count it and report it once.
    /// </summary>
    public bool FirstOverflow()
    {
        lock (_lock)
        {
            var first = !_closing && !_overflowed;
            _overflowed = true;
            return first;
        }
    }

    /// <summary>
    /// Sends <paramref name="message"/> after everything sent before it, without waiting. False when the
    /// connection is closing, or this message made it a slow consumer (it is being closed).
    /// </summary>
    public bool TrySend(SerializedHubMessage message)
    {
        bool start;
        lock (_lock)
        {
            if (_closing)
            {
                return false;
            }

            start = !_writing;
            _writing = true;
            // What the write in flight took (a batch) still waits for the device too: it counts toward the limit.
            if (!start && (_waiting ??= new()).Count + (_batch?.Count ?? 0) < policy.Limit)
            {
                _waiting.Enqueue(message);
                return true;
            }
        }

        if (start)
        {
            _ = WriteFromAsync(message); // outside the lock: it usually completes at once and comes back for the lock
            return true;
        }

        policy.Overflowed(connection.ConnectionId, this);
        return false;
    }

    /// <summary>
    /// Sends <paramref name="message"/> once at most half the queue is taken: for a long run of messages
    /// (a history replay) that must not overflow the queue but wait for the device instead.
    /// </summary>
    public async ValueTask SendAsync(SerializedHubMessage message, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task room;
            lock (_lock)
            {
                if (_closing || !_writing || (_waiting?.Count ?? 0) < policy.Limit / 2)
                {
                    break;
                }

                room = (_room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            await room.WaitAsync(cancellationToken);
        }

        TrySend(message);
    }

    /// <summary>
    /// Drops what waits, sends <paramref name="last"/> as the last message and then SignalR's close message, so the
    /// device closes the connection once it has read both (aborting it here could cut <paramref name="last"/> while
    /// the transport still sends it); a device that does not close within <paramref name="timeout"/> is cut.
    /// Completes when both are written, or the connection was cut.
    /// </summary>
    public Task CloseAsync(SerializedHubMessage last, TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_closed is not null)
            {
                return _closed.Task;
            }

            _closing = true;
            _closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _room?.TrySetResult();
            if (_writing)
            {
                _waiting ??= new();
                _waiting.Clear();
                _waiting.Enqueue(last);
                last = null!;
            }
            else
            {
                _writing = true;
            }
        }

        if (last is not null)
        {
            _ = WriteFromAsync(last);
        }

        _ = AbortAfterAsync(timeout);
        return _closed.Task;
    }

    /// <summary>Writes <paramref name="first"/>, then whatever waits behind it (together), until nothing does.</summary>
    private async Task WriteFromAsync(SerializedHubMessage first)
    {
        var next = first;
        while (true)
        {
            try
            {
                if (_batch is { Count: > 1 } batch)
                {
                    await WriteBatch.WriteAsync(connection, batch, () => IsClosing);
                }
                else
                {
                    await connection.WriteAsync(next);
                }
            }
            catch (Exception)
            {
                // The connection broke under the write; SignalR ends it and OnDisconnected cleans up.
                Abort();
                return;
            }

            lock (_lock)
            {
                _batch?.Clear();
                if (_room is not null && (_waiting?.Count ?? 0) <= policy.Limit / 2)
                {
                    _room.TrySetResult();
                    _room = null;
                }

                if (_waiting is null || !_waiting.TryDequeue(out next!))
                {
                    _writing = false;
                    if (!_closing)
                    {
                        return;
                    }

                    break;
                }

                if (_waiting.Count > 0 && policy.CoalesceWrites)
                {
                    WriteBatch.Take(next, _waiting, _batch ??= []);
                }
            }
        }

        // The last message of a closing connection is written: ask the device to close.
        try
        {
            await connection.WriteAsync(CloseRequest);
        }
        catch (Exception)
        {
            Abort();
            return;
        }

        Closed();
    }

    /// <summary>SignalR's close message; the device may reconnect (it was told where and why just before).</summary>
    private static readonly CloseMessage CloseRequest = new(error: null, allowReconnect: true);

    private async Task AbortAfterAsync(TimeSpan timeout)
    {
        await Task.Delay(timeout, policy.Time);
        Abort();
    }

    private void Abort()
    {
        connection.Abort();
        Closed();
    }

    private void Closed()
    {
        lock (_lock)
        {
            _closing = true;
            _room?.TrySetResult();
            (_closed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}
