using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.Gateway.Tests;

/// <summary>Limits and bad input end the offending connection with a reason; the gateway keeps serving everyone else.</summary>
public sealed class GatewayLimitTests
{
    private static Dictionary<string, string?> Limits(params (string Key, string Value)[] settings) =>
        settings.ToDictionary(s => $"Odin:Gateway:{s.Key}", s => (string?)s.Value);

    [Fact]
    public async Task Subscriptions_beyond_the_per_connection_limit_are_rejected()
    {
        await using var gateway = await StandaloneGateway.StartAsync(Limits(("MaxSubscriptionsPerConnection", "3")));
        var drives = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        await using var device = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token(drives).Token, messagePack: false);

        var result = await device.SubscribeAsync(drives);
        Assert.Equal(drives[..3], result.Accepted);
        Assert.Equal(drives[3..], result.Rejected);
        Assert.Equal(drives[..1], (await device.SubscribeAsync(drives[0])).Accepted); // already subscribed: still fine
    }

    [Fact]
    public async Task A_device_over_its_connection_limit_is_told_why_and_closed_while_its_others_keep_working()
    {
        await using var gateway = await StandaloneGateway.StartAsync(Limits(("MaxConnectionsPerDevice", "2")));
        var (token, _) = gateway.Token([Guid.NewGuid()]);
        await using var first = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, token, messagePack: false);
        await using var second = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, token, messagePack: true);

        var (reason, closed) = await ConnectExpectingRefusalAsync(gateway, token);
        Assert.Contains("already holds 2 connections", reason);
        await closed;
        Assert.Equal(1, await PrometheusScrape.ReadAsync(gateway.Host.BaseAddress, "odin_gateway_refused_total", "reason=\"device-limit\""));
        Assert.Equal(0, await PrometheusScrape.ReadAsync(gateway.Host.BaseAddress, "odin_gateway_refused_total", "reason=\"call-rate\""));

        Assert.InRange(await first.Connection.InvokeAsync<long>(DeviceHubMethods.Ping), 1, long.MaxValue);
        Assert.InRange(await second.Connection.InvokeAsync<long>(DeviceHubMethods.Ping), 1, long.MaxValue);
    }

    [Fact]
    public async Task Connections_of_one_device_arriving_together_cannot_pass_its_limit_together()
    {
        await using var gateway = await StandaloneGateway.StartAsync(Limits(("MaxConnectionsPerDevice", "2")));
        var (token, _) = gateway.Token([Guid.NewGuid()]);
        var arrivals = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, token, messagePack: false)));
        try
        {
            // A refused one is told why and closed; its ping fails. Exactly as many as the limit stay.
            var admitted = await Task.WhenAll(arrivals.Select(AdmittedAsync));
            Assert.Equal(2, admitted.Count(a => a));
        }
        finally
        {
            foreach (var device in arrivals)
            {
                await device.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_device_that_closed_a_connection_may_open_another_within_its_limit()
    {
        await using var gateway = await StandaloneGateway.StartAsync(Limits(("MaxConnectionsPerDevice", "2")));
        var (token, _) = gateway.Token([Guid.NewGuid()]);
        await using var first = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, token, messagePack: false);
        var second = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, token, messagePack: false);
        await second.DisposeAsync();

        // The gateway lets go of the closed connection (its OnDisconnected may run just after the client's close returns;
        // until then a new one is refused with Reconnect and closed, which the ping then fails on).
        await Eventually.TrueAsync(async () =>
        {
            await using var third = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, token, messagePack: true);
            return await AdmittedAsync(third);
        }, "a third connection of the device to be admitted once the second closed");
        Assert.InRange(await first.Connection.InvokeAsync<long>(DeviceHubMethods.Ping), 1, long.MaxValue);
    }

    [Fact]
    public async Task A_tenant_over_its_connection_limit_is_refused_and_other_tenants_are_not()
    {
        await using var gateway = await StandaloneGateway.StartAsync(Limits(("MaxConnectionsPerTenant", "1")));
        var tenant = Guid.NewGuid();
        await using var first = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([], tenantId: tenant).Token, messagePack: false);

        var (reason, closed) = await ConnectExpectingRefusalAsync(gateway, gateway.Token([], tenantId: tenant).Token);
        Assert.Contains("identity already holds 1 connections", reason);
        await closed;

        await using var other = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([]).Token, messagePack: false);
        Assert.InRange(await other.Connection.InvokeAsync<long>(DeviceHubMethods.Ping), 1, long.MaxValue);
    }

    [Fact]
    public async Task A_flood_of_calls_ends_that_connection_with_a_reason()
    {
        await using var gateway = await StandaloneGateway.StartAsync(Limits(("HubCallsPerSecond", "5"), ("HubCallBurst", "5")));
        await using var bystander = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([]).Token, messagePack: false);
        await using var flooder = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([]).Token, messagePack: false);
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        flooder.Connection.On<string, int>(nameof(IDeviceClient.Reconnect), (r, _) => reason.TrySetResult(r));

        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await flooder.Connection.InvokeAsync<long>(DeviceHubMethods.Ping);
            }
        });
        Assert.True(failure is HubException or InvalidOperationException or TaskCanceledException, failure.ToString());
        Assert.Contains("calls per second", await reason.Task.WaitAsync(Eventually.DefaultTimeout));
        await Eventually.TrueAsync(() => flooder.Connection.State == HubConnectionState.Disconnected, "the flooding connection to close");
        Assert.InRange(await bystander.Connection.InvokeAsync<long>(DeviceHubMethods.Ping), 1, long.MaxValue);
        // What an operator sees: one refusal for the call rate, and the calls by outcome.
        Assert.Equal(1, await PrometheusScrape.ReadAsync(gateway.Host.BaseAddress, "odin_gateway_refused_total", "reason=\"call-rate\""));
        Assert.Equal(1, await PrometheusScrape.ReadAsync(gateway.Host.BaseAddress, "odin_gateway_hub_calls_total", "outcome=\"refused\""));
        Assert.True(await PrometheusScrape.ReadAsync(gateway.Host.BaseAddress, "odin_gateway_hub_calls_total", "outcome=\"ok\"") >= 5);
    }

    [Theory]
    [InlineData("{\"protocol\":\"json\",\"version\":1}\u001e", "{{{ not json \u001e")]
    [InlineData("{\"protocol\":\"no-such-protocol\",\"version\":1}\u001e", "")]
    [InlineData("not a handshake\u001e", "")]
    public async Task Malformed_frames_end_only_that_connection(string handshake, string frame)
    {
        await using var gateway = await StandaloneGateway.StartAsync();
        await using var bystander = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([]).Token, messagePack: true);

        using var socket = new ClientWebSocket();
        var url = new UriBuilder(gateway.Host.HubUrl) { Scheme = "ws", Query = $"access_token={gateway.Token([]).Token}" }.Uri;
        await socket.ConnectAsync(url, CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes(handshake), WebSocketMessageType.Text, true, CancellationToken.None);
        if (frame.Length > 0)
        {
            await ReceiveAsync(socket); // the handshake answer
            await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);
        }

        // The server ends this connection (possibly after a close message with the error).
        while (socket.State == WebSocketState.Open)
        {
            var (type, _) = await ReceiveAsync(socket);
            if (type == WebSocketMessageType.Close)
            {
                break;
            }
        }

        Assert.InRange(await bystander.Connection.InvokeAsync<long>(DeviceHubMethods.Ping), 1, long.MaxValue);
    }

    [Fact]
    public async Task Arguments_of_the_wrong_shape_get_an_error_answer_and_the_connection_keeps_working()
    {
        await using var gateway = await StandaloneGateway.StartAsync();
        using var socket = new ClientWebSocket();
        var url = new UriBuilder(gateway.Host.HubUrl) { Scheme = "ws", Query = $"access_token={gateway.Token([]).Token}" }.Uri;
        await socket.ConnectAsync(url, CancellationToken.None);
        await SendAsync(socket, "{\"protocol\":\"json\",\"version\":1}\u001e");
        Assert.Equal("{}\u001e", (await ReceiveAsync(socket)).Text);

        await SendAsync(socket, "{\"type\":1,\"invocationId\":\"1\",\"target\":\"Subscribe\",\"arguments\":[{\"driveIds\":\"x\"}]}\u001e");
        var answer = await ReceiveNonPingAsync(socket);
        Assert.Contains("\"invocationId\":\"1\"", answer);
        Assert.Contains("\"error\"", answer);

        await SendAsync(socket, "{\"type\":1,\"invocationId\":\"2\",\"target\":\"Ping\",\"arguments\":[]}\u001e");
        var pong = await ReceiveNonPingAsync(socket);
        Assert.Contains("\"invocationId\":\"2\"", pong);
        Assert.Contains("\"result\"", pong);
    }

    [Fact]
    public async Task A_connection_closes_when_its_token_expires()
    {
        await using var gateway = await StandaloneGateway.StartAsync();
        await using var device = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([], lifetime: TimeSpan.FromSeconds(2)).Token, messagePack: false);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        device.Connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Whether the gateway kept this connection: a refused one is told why and closed, and its ping fails.</summary>
    private static async Task<bool> AdmittedAsync(NotificationRecorder device)
    {
        try
        {
            return await device.Connection.InvokeAsync<long>(DeviceHubMethods.Ping) > 0;
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    private static async Task<(string Reason, Task Closed)> ConnectExpectingRefusalAsync(StandaloneGateway gateway, string token)
    {
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connection = DeviceConnection.Build(gateway.Host.HubUrl.ToString(), () => Task.FromResult<string?>(token), messagePack: false);
        connection.On<string, int>(nameof(IDeviceClient.Reconnect), (r, retryAfter) =>
        {
            Assert.True(retryAfter > 0);
            reason.TrySetResult(r);
        });
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        try
        {
            await connection.StartAsync();
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or WebSocketException or IOException)
        {
            // the server may close before the client has finished starting
            closed.TrySetResult();
        }

        var text = await reason.Task.WaitAsync(Eventually.DefaultTimeout);
        return (text, closed.Task.WaitAsync(Eventually.DefaultTimeout).ContinueWith(_ => connection.DisposeAsync().AsTask(), TaskScheduler.Default).Unwrap());
    }

    private static Task SendAsync(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next message that is not a keep-alive ping (type 6).</summary>
    private static async Task<string> ReceiveNonPingAsync(ClientWebSocket socket)
    {
        while (true)
        {
            var (_, text) = await ReceiveAsync(socket);
            if (!text.StartsWith("{\"type\":6", StringComparison.Ordinal))
            {
                return text;
            }
        }
    }

    private static async Task<(WebSocketMessageType Type, string Text)> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[4096];
        try
        {
            var result = await socket.ReceiveAsync(buffer, new CancellationTokenSource(Eventually.DefaultTimeout).Token);
            return (result.MessageType, Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
        catch (WebSocketException)
        {
            return (WebSocketMessageType.Close, ""); // aborted without a close frame: closed all the same
        }
    }
}
