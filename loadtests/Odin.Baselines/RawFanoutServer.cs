using System.Collections.Concurrent;
using System.Net.WebSockets;
using StackExchange.Redis;

namespace Odin.Baselines;

/// <summary>
/// The ceiling: Kestrel WebSockets and nothing else. Every message on the Redis channel goes, as received,
/// to every connected socket. No protocol, no authentication, no groups.
/// </summary>
public static class RawFanoutServer
{
    public const string Channel = "bench:raw";

    public static async Task RunAsync(string[] args, string redis)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var sockets = new ConcurrentDictionary<Guid, WebSocket>();
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis);
        var queue = await multiplexer.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Channel));
        queue.OnMessage(async message =>
        {
            var payload = (byte[])message.Message!;
            var sends = sockets.Values.Select(socket => socket.SendAsync(payload, WebSocketMessageType.Text, true, CancellationToken.None));
            try
            {
                await Task.WhenAll(sends);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
            {
                // a socket closed meanwhile; its receive loop removes it
            }
        });

        app.UseWebSockets();
        app.Map("/ws", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var id = Guid.NewGuid();
            sockets[id] = socket;
            var buffer = new byte[1024];
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // the client went away
            }
            finally
            {
                sockets.TryRemove(id, out _);
            }
        });
        app.MapGet("/health/ready", () => "ready");
        await app.RunAsync();
    }
}
