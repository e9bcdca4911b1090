using Odin.Hosting.Auth;

namespace Odin.Testing;

/// <summary>
/// A cluster inside the test process: Odin.Hosting instances and Gateways on one real Redis and one
/// PostgreSQL database, sharing one device-token signing key. Gateway 0 reads the public key from a PEM
/// file, the others fetch Hosting's JWK Set, so both key sources are exercised.
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private readonly string _folder;
    private readonly Dictionary<string, string?> _hostingConfiguration;
    private readonly List<OdinHost> _hosting;

    private InProcessCluster(string folder, Dictionary<string, string?> hostingConfiguration, IEnumerable<OdinHost> hosting, IReadOnlyList<GatewayHost> gateways)
    {
        _folder = folder;
        _hostingConfiguration = hostingConfiguration;
        _hosting = [.. hosting];
        Gateways = gateways;
    }

    public IReadOnlyList<OdinHost> Hosting => _hosting;

    /// <summary>The Redis names this cluster's instances use (its own prefix: parallel clusters on one Redis never meet).</summary>
    public Odin.ClusterPrimitives.Redis.RedisNames RedisNames => new(_hostingConfiguration["Odin:Redis:ChannelPrefix"]!);

    /// <summary>The PostgreSQL database every Hosting instance uses.</summary>
    public string DatabaseConnectionString => _hostingConfiguration["Odin:Database:ConnectionString"]!;

    public IReadOnlyList<GatewayHost> Gateways { get; }

    /// <param name="hostingSettings">More configuration for the Hosting instances (colon form).</param>
    /// <param name="perHost">Settings of Hosting instance i alone (its listening addresses, say).</param>
    public static async Task<InProcessCluster> StartAsync(
        IRedisDeployment redis, PostgresServer postgres, int hostingCount = 2, int gatewayCount = 2, IReadOnlyDictionary<string, string?>? hostingSettings = null,
        Func<int, IReadOnlyDictionary<string, string?>>? perHost = null)
    {
        var folder = Directory.CreateTempSubdirectory("odin-cluster-").FullName;
        var keyPath = Path.Combine(folder, "signing-key.pem");
        SigningKey.Load(keyPath, createIfMissing: true); // also writes signing-key.pub.pem
        var database = await postgres.CreateDatabaseAsync();
        var prefix = $"odin-{Guid.NewGuid():N}"; // clusters of parallel tests never hear each other on one Redis
        var shared = new Dictionary<string, string?>
        {
            ["Odin:Redis:Configuration"] = redis.ConnectionString,
            ["Odin:Redis:ChannelPrefix"] = prefix,
            ["Odin:Redis:TrustedCaPath"] = redis.TrustedCaPath ?? "",
        };
        var hostingConfiguration = new Dictionary<string, string?>(shared)
        {
            ["Odin:Database:Provider"] = "Postgres",
            ["Odin:Database:ConnectionString"] = database,
            ["Odin:Auth:SigningKeyPath"] = keyPath,
        };
        foreach (var (key, value) in hostingSettings ?? new Dictionary<string, string?>())
        {
            hostingConfiguration[key] = value;
        }

        var hosting = await Task.WhenAll(Enumerable.Range(0, hostingCount).Select(i =>
            StartHostingAsync(folder, perHost is null ? hostingConfiguration : new Dictionary<string, string?>(hostingConfiguration.Concat(perHost(i))), i)));
        var gateways = await Task.WhenAll(Enumerable.Range(0, gatewayCount).Select(i =>
        {
            // Named, so Redis's own CLIENT LIST tells the gateways apart.
            var settings = new Dictionary<string, string?>(shared) { ["Odin:Redis:Configuration"] = $"{redis.ConnectionString},name=gateway{i}" };
            if (i == 0)
            {
                settings["Odin:Auth:PublicKeyPath"] = Path.ChangeExtension(keyPath, ".pub.pem");
            }
            else
            {
                settings["Odin:Auth:JwksUrl"] = new Uri(hosting[i % hosting.Length].BaseAddress, "/.well-known/odin/jwks.json").ToString();
            }

            return GatewayHost.StartAsync(settings);
        }));
        var cluster = new InProcessCluster(folder, hostingConfiguration, hosting, gateways);
        await Eventually.TrueAsync(cluster.AllReadyAsync, "every instance of the cluster to report ready");
        return cluster;
    }

    /// <summary>Starts <paramref name="count"/> more Hosting instances at once, configured as the others.</summary>
    public async Task<IReadOnlyList<OdinHost>> AddHostingAsync(int count)
    {
        var first = _hosting.Count;
        var added = await Task.WhenAll(Enumerable.Range(first, count).Select(i => StartHostingAsync(_folder, _hostingConfiguration, i)));
        _hosting.AddRange(added);
        return added;
    }

    private static Task<OdinHost> StartHostingAsync(string folder, Dictionary<string, string?> configuration, int index) =>
        OdinHost.StartAsync(configuration, Directory.CreateDirectory(Path.Combine(folder, $"hosting{index}")).FullName);

    /// <summary>True when every instance's <c>/health/ready</c> answers 200.</summary>
    public async Task<bool> AllReadyAsync()
    {
        foreach (var address in Hosting.Select(h => h.BaseAddress).Concat(Gateways.Select(g => g.BaseAddress)))
        {
            using var http = new HttpClient { BaseAddress = address };
            using var response = await http.GetAsync("/health/ready");
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in Gateways)
        {
            await gateway.DisposeAsync();
        }

        foreach (var host in Hosting)
        {
            await host.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }
}
