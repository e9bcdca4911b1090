using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Odin.Testing;

/// <summary>How the test devices and the load driver's devices connect: WebSockets only, skip negotiation, JSON or MessagePack.</summary>
public static class DeviceConnection
{
    /// <param name="reconnect">Reconnect by itself after a drop (immediately, then after 0.2, 0.5, 1, 2 s, then every 2 s).</param>
    /// <param name="onArrival">Called with each message from the server as it is read, in the order it came: before the
    /// client handles it (its handlers run on a queue of their own, so a close read later can be handled first).</param>
    public static HubConnection Build(string hubUrl, Func<Task<string?>> accessToken, bool messagePack, bool reconnect = false, Action<HubMessage>? onArrival = null)
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

        if (onArrival is not null)
        {
            builder.Services.AddSingleton<IHubProtocol>(new ArrivalProtocol(messagePack ? new MessagePackHubProtocol() : new JsonHubProtocol(), onArrival));
        }

        return builder.Build();
    }

    /// <summary>The connection's protocol, telling <c>onArrival</c> of each message it reads.</summary>
    private sealed class ArrivalProtocol(IHubProtocol inner, Action<HubMessage> onArrival) : IHubProtocol
    {
        public string Name => inner.Name;

        public int Version => inner.Version;

        public TransferFormat TransferFormat => inner.TransferFormat;

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
        {
            if (!inner.TryParseMessage(ref input, binder, out message))
            {
                return false;
            }

            onArrival(message);
            return true;
        }

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(message, output);

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(message);

        public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);
    }

    private sealed class SteadyRetry : IRetryPolicy
    {
        private static readonly TimeSpan[] Delays = [TimeSpan.Zero, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)];

        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            retryContext.PreviousRetryCount < Delays.Length ? Delays[retryContext.PreviousRetryCount] : TimeSpan.FromSeconds(2);
    }
}
