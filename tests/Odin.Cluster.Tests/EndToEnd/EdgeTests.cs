using System.Net.Sockets;
using System.Text;
using Odin.Testing;

namespace Odin.Cluster.Tests.EndToEnd;

/// <summary>deploy/haproxy.cfg at the edge, in front of a real Odin node: slow senders are cut, one source cannot hold every connection.</summary>
public sealed class EdgeTests
{
    [Fact]
    public async Task Sockets_that_trickle_a_request_head_are_closed_by_haproxy_while_others_are_served()
    {
        await using var node = await OdinNode.StartAsync(new Dictionary<string, string?>());
        await using var haproxy = await StartHaproxyAsync(node, new() { ["ODIN_HTTP_REQUEST_TIMEOUT"] = "2s" });

        // 100 sockets each send a request line, then one header byte every 500 ms: never a whole head.
        using var stop = new CancellationTokenSource();
        var slow = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => SlowSocket.OpenAsync(haproxy.Port)));
        var trickling = slow.Select(s => s.TrickleAsync(stop.Token)).ToArray();

        // Meanwhile a normal caller is served.
        using var http = new HttpClient { BaseAddress = haproxy.BaseAddress };
        using (var health = await http.GetAsync("/health/ready"))
        {
            Assert.True(health.IsSuccessStatusCode);
        }

        // Every slow socket is closed by HAProxy (a 408, then the close) well before a minute of trickling.
        var closed = await Task.WhenAll(trickling).WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        Assert.All(closed, c => Assert.True(c, "closed by the server"));
        Assert.All(slow, s => Assert.True(s.Answer.Length == 0 || s.Answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), s.Answer));
        foreach (var socket in slow)
        {
            socket.Dispose();
        }
    }

    [Fact]
    public async Task One_source_cannot_hold_more_than_its_connections()
    {
        await using var node = await OdinNode.StartAsync(new Dictionary<string, string?>());
        await using var haproxy = await StartHaproxyAsync(node, new() { ["ODIN_MAX_CONN_PER_SOURCE"] = "10", ["ODIN_HTTP_REQUEST_TIMEOUT"] = "30s" });

        var sockets = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => SlowSocket.OpenAsync(haproxy.Port)));
        try
        {
            // Beyond ten, HAProxy closes the connection at once, before reading anything.
            var refused = 0;
            foreach (var socket in sockets)
            {
                if (await socket.IsClosedWithinAsync(TimeSpan.FromSeconds(1)))
                {
                    refused++;
                }
            }

            Assert.InRange(refused, 10, 11); // the readiness probe's connection may still be counted
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task Metrics_and_the_leader_status_are_not_served_on_the_public_port_but_are_on_the_instance()
    {
        await using var node = await OdinNode.StartAsync(new Dictionary<string, string?>());
        await using var haproxy = await StartHaproxyAsync(node, []);
        using var edge = new HttpClient { BaseAddress = haproxy.BaseAddress };
        using var direct = node.Host.CreateClient();
        foreach (var path in new[] { "/metrics", "/health/leader" })
        {
            using var outside = await edge.GetAsync(path);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, outside.StatusCode);
            using var inside = await direct.GetAsync(path);
            Assert.Equal(System.Net.HttpStatusCode.OK, inside.StatusCode);
        }

        using var ready = await edge.GetAsync("/health/ready");
        Assert.True(ready.IsSuccessStatusCode, "readiness stays public (load balancers in front of HAProxy ask it)");
    }

    private static Task<HaproxyServer> StartHaproxyAsync(OdinNode node, Dictionary<string, string> edge)
    {
        var address = $"{node.Host.BaseAddress.Host}:{node.Host.BaseAddress.Port}";
        return HaproxyServer.StartAsync([address, address], [address, address], node.Host.DataFolder, edge: edge);
    }

    private sealed class SlowSocket(TcpClient client, bool resetAtConnect) : IDisposable
    {
        private readonly StringBuilder _answer = new();

        public string Answer => _answer.ToString();

        public static async Task<SlowSocket> OpenAsync(int port)
        {
            var client = new TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", port);
                return new SlowSocket(client, resetAtConnect: false);
            }
            catch (SocketException)
            {
                return new SlowSocket(client, resetAtConnect: true); // refused so fast the connect saw it
            }
        }

        /// <summary>Sends a request line, then a header byte every 500 ms; true once the server closed the connection.</summary>
        public async Task<bool> TrickleAsync(CancellationToken cancellationToken)
        {
            var stream = client.GetStream();
            var reading = ReadToCloseAsync(cancellationToken);
            try
            {
                await stream.WriteAsync("GET /health/ready HTTP/1.1\r\nHost: x.example\r\nX-Slow: "u8.ToArray(), cancellationToken);
                while (!reading.IsCompleted)
                {
                    await stream.WriteAsync("a"u8.ToArray(), cancellationToken);
                    await Task.WhenAny(reading, Task.Delay(500, cancellationToken));
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                // The server closed while we wrote: that is the point.
            }

            return await reading;
        }

        /// <summary>True when the server closes the connection within <paramref name="limit"/> without being sent anything.</summary>
        public async Task<bool> IsClosedWithinAsync(TimeSpan limit)
        {
            if (resetAtConnect)
            {
                return true;
            }

            using var timeout = new CancellationTokenSource(limit);
            try
            {
                return await ReadToCloseAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        private async Task<bool> ReadToCloseAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[1024];
            try
            {
                while (true)
                {
                    var read = await client.GetStream().ReadAsync(buffer, cancellationToken);
                    if (read == 0)
                    {
                        return true;
                    }

                    _answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                return true; // reset by the server
            }
        }

        public void Dispose() => client.Dispose();
    }
}
