using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Odin.LoadTest;

/// <summary>How every Odin device connects: WebSockets only, skip negotiation, JSON or MessagePack.</summary>
public static class DeviceConnection
{
    public static HubConnection Build(string hubUrl, Func<Task<string?>> accessToken, bool messagePack)
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

        return builder.Build();
    }
}
