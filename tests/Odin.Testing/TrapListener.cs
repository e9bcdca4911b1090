using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Odin.Testing;

/// <summary>
/// A TCP listener on a loopback address that must never be reached: it counts every connection made to
/// it. With <paramref name="answer"/> it also answers each request (an HTTP response written by hand), to
/// play a peer server that misbehaves.
/// </summary>
public sealed class TrapListener : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Func<string>? _answer;
    private int _connections;

    public TrapListener(IPAddress address, Func<string>? answer = null)
    {
        _answer = answer;
        _listener = new TcpListener(address, 0);
        _listener.Start();
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = AnswerAsync(socket);
        }
    }

    private async Task AnswerAsync(Socket socket)
    {
        using (socket)
        {
            if (_answer is null)
            {
                return;
            }

            try
            {
                // Read the request head, then answer and close.
                var buffer = new byte[16 * 1024];
                var head = new StringBuilder();
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await socket.ReceiveAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                await socket.SendAsync(Encoding.ASCII.GetBytes(_answer()), _stop.Token);
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                // The caller went away: nothing to answer.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
