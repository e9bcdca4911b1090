using Odin.Hosting.Auth;

namespace Odin.Testing;

/// <summary>
/// The real executables as separate processes: 2 Odin.Hosting and 2 Gateways on a real Redis (one server or a Redis Cluster) and
/// PostgreSQL, behind a real HAProxy running <c>deploy/haproxy.cfg</c>. What an operator runs, on loopback.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private ProcessCluster(string folder, IRedisDeployment redis, IReadOnlyList<ProcessHost> hosting, IReadOnlyList<ProcessHost> gateways, HaproxyServer haproxy)
    {
        Folder = folder;
        Redis = redis;
        Hosting = hosting;
        Gateways = gateways;
        Haproxy = haproxy;
    }

    public string Folder { get; }

    /// <summary>The prefix of every Redis key and channel of this cluster.</summary>
    public string ChannelPrefix { get; private init; } = "";

    public IRedisDeployment Redis { get; }

    public IReadOnlyList<ProcessHost> Hosting { get; }

    public IReadOnlyList<ProcessHost> Gateways { get; }

    public HaproxyServer Haproxy { get; }

    /// <summary>The API as a client sees it: through HAProxy.</summary>
    public OdinApi CreateApi() => new(new HttpClient { BaseAddress = Haproxy.BaseAddress });

    /// <param name="settings">Environment for every Hosting and Gateway process, over the cluster's own.</param>
    /// <param name="hostingCount">Hosting instances (at least 2): the first two are behind HAProxy, any further one publishes its share of the outbox.</param>
    public static async Task<ProcessCluster> StartAsync(
        IRedisDeployment redis, PostgresServer postgres, IReadOnlyDictionary<string, string>? settings = null, int hostingCount = 2)
    {
        var folder = Directory.CreateTempSubdirectory("odin-processes-").FullName;
        var haproxyPort = FreePort.Next(); // chosen first: the instances send peer calls through it
        var keyPath = Path.Combine(folder, "signing-key.pem");
        SigningKey.Load(keyPath, createIfMissing: true);
        var common = new Dictionary<string, string>
        {
            ["Odin__Redis__Configuration"] = redis.ConnectionString,
            ["Odin__Redis__ChannelPrefix"] = $"odin-{Guid.NewGuid():N}",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            common[name] = value;
        }
        var hostingEnvironment = new Dictionary<string, string>(common)
        {
            ["Odin__Database__Provider"] = "Postgres",
            ["Odin__Database__ConnectionString"] = await postgres.CreateDatabaseAsync(),
            ["Odin__Auth__SigningKeyPath"] = keyPath,
            ["Odin__Admin__ApiKey"] = OdinHost.AdminKey,
            ["Odin__Keys__EncryptionKey"] = OdinHost.EncryptionKey,
            ["Odin__Notifications__PollInterval"] = "00:00:00.200",
            // Every identity sits behind the one HAProxy; short intervals so recoveries show within a test.
            ["Odin__Peer__ResolveTo"] = $"http://127.0.0.1:{haproxyPort}",
            ["Odin__Peer__AllowedNetworks"] = "127.0.0.1/32",
            ["Odin__Edge__TrustedProxies"] = "127.0.0.1/32",
            // Every test device is minted from this one address; the limits have tests of their own.
            ["Odin__RateLimits__DeviceTokenPerSource"] = "100000",
            ["Odin__RateLimits__DeviceTokenPerIdentity"] = "100000",
            ["Odin__RateLimits__PeerInboxPerSource"] = "100000",
            ["Odin__RateLimits__PeerInboxPerIdentity"] = "100000",
            ["Odin__RateLimits__AdminPerSource"] = "100000",
            ["Odin__Peer__PollInterval"] = "00:00:00.100",
            ["Odin__Peer__RetryDelay"] = "00:00:00.200",
            ["Odin__Peer__MaxRetryDelay"] = "00:00:02",
            ["Odin__Peer__MaxAttempts"] = "100",
            ["Odin__Peer__ClaimTimeout"] = "00:00:03",
            ["Odin__Peer__ReconcileInterval"] = "00:00:00.500",
            ["Odin__Leader__Lease"] = "00:00:02",
            ["Odin__Temp__Root"] = Path.Combine(folder, "temp"), // one staging root, as on shared storage
        };
        var hosting = Enumerable.Range(1, hostingCount)
            .Select(i => new ProcessHost($"hosting{i}", RepositoryPaths.Executable("Odin.Hosting", "Odin.Hosting"), hostingEnvironment, folder))
            .ToList();
        await Task.WhenAll(hosting.Select(h => h.StartAsync()));

        var gateways = Enumerable.Range(1, 2).Select(i =>
        {
            var environment = new Dictionary<string, string>(common);
            if (i == 1)
            {
                environment["Odin__Auth__PublicKeyPath"] = Path.ChangeExtension(keyPath, ".pub.pem");
            }
            else
            {
                environment["Odin__Auth__JwksUrl"] = new Uri(hosting[0].BaseAddress, "/.well-known/odin/jwks.json").ToString();
            }

            return new ProcessHost($"gateway{i}", RepositoryPaths.Executable("Gateway", "Odin.Gateway"), environment, folder);
        }).ToList();
        await Task.WhenAll(gateways.Select(g => g.StartAsync()));
        await Eventually.TrueAsync(async () => (await Task.WhenAll(hosting.Concat(gateways).Select(p => p.IsReadyAsync()))).All(r => r),
            "every Hosting and Gateway process to report ready", TimeSpan.FromSeconds(30));

        var haproxy = await HaproxyServer.StartAsync([.. gateways.Select(g => g.Address)], [.. hosting.Take(2).Select(h => h.Address)], folder, haproxyPort);
        return new ProcessCluster(folder, redis, hosting, gateways, haproxy) { ChannelPrefix = common["Odin__Redis__ChannelPrefix"] };
    }

    public async ValueTask DisposeAsync()
    {
        await Haproxy.DisposeAsync();
        foreach (var process in Gateways.Concat(Hosting))
        {
            await process.DisposeAsync();
        }

        if (Environment.GetEnvironmentVariable("ODIN_KEEP_TEST_LOGS") != "1")
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
