using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Odin.Hosting;

namespace Odin.Testing;

/// <summary>
/// One Odin.Hosting instance inside the test process, on real Kestrel at a random loopback port, with
/// its own data folder (signing key, admin key, SQLite file unless a database is given).
/// </summary>
public sealed class OdinHost : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key";

    /// <summary>The key every test instance encrypts private keys with (a cluster's instances must share one).</summary>
    public const string EncryptionKey = "b2Rpbi10ZXN0LWtleXMtZW5jcnlwdGlvbi1rZXkhISE=";

    private readonly WebApplication _app;
    private bool _disposed;

    private OdinHost(WebApplication app, string dataFolder)
    {
        _app = app;
        DataFolder = dataFolder;
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        BaseAddress = new Uri(addresses.Addresses.First());
    }

    public Uri BaseAddress { get; }

    public string DataFolder { get; }

    public IServiceProvider Services => _app.Services;

    public Uri HubUrl => new(BaseAddress, "/hubs/device");

    /// <summary>
    /// Starts a host. <paramref name="settings"/> are configuration keys (colon form) layered over the test
    /// defaults; <paramref name="services"/> adds to the composition (test job handlers).
    /// </summary>
    public static async Task<OdinHost> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, string? dataFolder = null, Action<IServiceCollection>? services = null)
    {
        dataFolder ??= Directory.CreateTempSubdirectory("odin-host-").FullName;
        var defaults = new Dictionary<string, string?>
        {
            ["Odin:Database:ConnectionString"] = $"Data Source={Path.Combine(dataFolder, "odin.db")}",
            ["Odin:Auth:SigningKeyPath"] = Path.Combine(dataFolder, "signing-key.pem"),
            ["Odin:Admin:ApiKey"] = AdminKey,
            ["Odin:Keys:EncryptionKey"] = EncryptionKey,
            ["Odin:Temp:Root"] = Path.Combine(dataFolder, "temp"),
            ["Odin:Notifications:PollInterval"] = "00:00:00.200",
            ["Odin:LastSeen:FlushInterval"] = "00:00:00.200",
            // Tests mint thousands of tokens from one address; the limits have tests of their own.
            ["Odin:RateLimits:DeviceTokenPerSource"] = "100000",
            ["Odin:RateLimits:DeviceTokenPerIdentity"] = "100000",
            ["Odin:RateLimits:PeerInboxPerSource"] = "100000",
            ["Odin:RateLimits:AdminPerSource"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            defaults[key] = value;
        }

        var app = OdinHostingApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(defaults);
            builder.WebHost.UseUrls(defaults.GetValueOrDefault("urls") ?? "http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            services?.Invoke(builder.Services);
        });
        await OdinHostingApp.StartAsync(app);
        return new OdinHost(app, dataFolder);
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    /// <summary>Stops the host (a test may stop one early; the cluster disposing it again is harmless).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
