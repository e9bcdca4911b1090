using Microsoft.Extensions.Options;
using Odin.Gateway.Auth;
using Odin.Gateway.Connections;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Auth;
using Odin.ClusterPrimitives.Observability;
using Odin.ClusterPrimitives.Redis;

namespace Odin.Gateway;

/// <summary>The standalone gateway: the device hub, token verification (never minting), and the Redis backplane.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        FanOutBuffers.Size();
        try
        {
            var app = Build(args, builder =>
            {
                RequireRedis(builder.Configuration);
                builder.Services.DrainOnSignals();
            });
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
        // appsettings.json ships beside the binary.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddSecretFiles();
        configure?.Invoke(builder);
        ListenAddresses.Check(builder.Configuration);
        AddKeySource(builder);
        builder.Services.AddOdinGateway(builder.Configuration);

        var app = builder.Build();
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOdinGateway();
        app.MapOdinObservability();
        return app;
    }

    /// <summary>
    /// A gateway on its own needs Redis: without it, it would start, report ready and hold devices that never hear a
    /// notification (they are published by Odin.Hosting). A single node hosts the hub inside Odin.Hosting instead.
    /// </summary>
    private static void RequireRedis(ConfigurationManager configuration)
    {
        if (!RedisOptions.Read(configuration).IsCluster)
        {
            throw new StartupConfigurationException(
                "Odin__Redis__Configuration is required: a standalone gateway receives notifications only through Redis (for one node, run Odin.Hosting alone: it hosts the hub).");
        }
    }

    /// <summary>Where the gateway gets the public key(s): a PEM file, or Odin.Hosting's JWK Set.</summary>
    private static void AddKeySource(WebApplicationBuilder builder)
    {
        var auth = builder.Services.AddValidatedOptions<GatewayAuthOptions>(builder.Configuration, GatewayAuthOptions.Section);
        if (!string.IsNullOrWhiteSpace(auth.PublicKeyPath))
        {
            if (!File.Exists(auth.PublicKeyPath))
            {
                throw new StartupConfigurationException($"Odin__Auth__PublicKeyPath: '{auth.PublicKeyPath}' does not exist.");
            }

            try
            {
                builder.Services.AddSingleton<IDeviceTokenKeys>(new PemDeviceTokenKeys(auth.PublicKeyPath));
            }
            catch (Exception ex) when (ex is ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                throw new StartupConfigurationException($"Odin__Auth__PublicKeyPath: '{auth.PublicKeyPath}' is not a PEM file of P-256 public keys ({ex.Message}).");
            }

            return;
        }

        if (!Uri.TryCreate(auth.JwksUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new StartupConfigurationException(string.IsNullOrWhiteSpace(auth.JwksUrl)
                ? "Set Odin__Auth__PublicKeyPath (PEM of Odin.Hosting's device-token public key) or Odin__Auth__JwksUrl (e.g. http://hosting/.well-known/odin/jwks.json)."
                : $"Odin__Auth__JwksUrl: '{auth.JwksUrl}' is not an http(s) URL.");
        }

        builder.Services.AddSingleton(sp => new JwksDeviceTokenKeys(url, auth.JwksRefresh, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<JwksDeviceTokenKeys>>()));
        builder.Services.AddSingleton<IDeviceTokenKeys>(sp => sp.GetRequiredService<JwksDeviceTokenKeys>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<JwksDeviceTokenKeys>());
        builder.Services.AddHealthChecks().AddCheck<JwksDeviceTokenKeys>("device-token-keys", tags: [HealthTags.Ready]);
    }
}
