using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Odin.Testing;

/// <summary>How the test devices and the load driver's devices connect: WebSockets only, skip negotiation, JSON or MessagePack.</summary>
public static class DeviceConnection
{
    /// <param name="reconnect">Reconnect by itself after a drop (immediately, then after 0.2, 0.5, 1, 2 s, then every 2 s).</param>
    public static HubConnection Build(string hubUrl, Func<Task<string?>> accessToken, bool messagePack, bool reconnect = false)
    {
        var builder = new HubConnectionBuilder().WithUrl(hubUrl, options =>
        {
            options.Transports = HttpTransportType.WebSockets;
            options.SkipNegotiation = true;
            options.AccessTokenProvider = accessToken;
        });
        if (messagePack)
        {
            builder.AddMessagePackProtocol();
        }

        if (reconnect)
        {
            builder.WithAutomaticReconnect(new SteadyRetry());
        }

        return builder.Build();
    }

    private sealed class SteadyRetry : IRetryPolicy
    {
        private static readonly TimeSpan[] Delays = [TimeSpan.Zero, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)];

        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            retryContext.PreviousRetryCount < Delays.Length ? Delays[retryContext.PreviousRetryCount] : TimeSpan.FromSeconds(2);
    }
}
