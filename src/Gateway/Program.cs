using Microsoft.Extensions.Options;
using Odin.Gateway.Auth;
using Odin.Shared;
using Odin.Shared.Auth;
using Odin.Shared.Redis;

namespace Odin.Gateway;

/// <summary>The standalone gateway: the device hub, its token verification, and the Redis backplane.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            var app = Build(args);
            app.Services.GetService<IStartupValidator>()?.Validate();
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (StartupErrors.Describe(ex) is { } line)
        {
            await Console.Error.WriteLineAsync($"odin-gateway: {line}");
            return 1;
        }
    }

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json ships beside the binary; data paths stay relative to the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);

        var publicKeyPath = builder.Configuration["Odin:Auth:PublicKeyPath"];
        if (string.IsNullOrWhiteSpace(publicKeyPath) || !File.Exists(publicKeyPath))
        {
            throw new StartupConfigurationException(
                "Odin__Auth__PublicKeyPath must name the PEM file of Odin.Hosting's device-token public key"
                + (string.IsNullOrWhiteSpace(publicKeyPath) ? "." : $" ('{publicKeyPath}' does not exist)."));
        }

        builder.Services.AddSingleton<IDeviceTokenKeys>(new PemDeviceTokenKeys(publicKeyPath));
        var signalR = builder.Services.AddOdinGateway(builder.Configuration);
        var redis = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        if (redis.IsCluster)
        {
            signalR.AddStackExchangeRedis(redis.Configuration, options =>
                options.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal(new RedisNames(redis.ChannelPrefix).SignalRBackplane));
        }

        var app = builder.Build();
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOdinGateway();
        return app;
    }
}
