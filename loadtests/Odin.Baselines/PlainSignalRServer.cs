using Microsoft.AspNetCore.SignalR;

namespace Odin.Baselines;

/// <summary>What a user would otherwise pick: a SignalR hub with the Redis backplane, default settings.</summary>
public static class PlainSignalRServer
{
    public static async Task RunAsync(string[] args, string redis)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSignalR().AddStackExchangeRedis(redis);
        var app = builder.Build();
        app.MapHub<BenchHub>("/hubs/bench");
        app.MapGet("/health/ready", () => "ready");
        await app.RunAsync();
    }
}

/// <summary>The baseline hub: devices join a group per drive, like Odin's subscriptions.</summary>
public sealed class BenchHub : Hub
{
    public Task Subscribe(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);
}
