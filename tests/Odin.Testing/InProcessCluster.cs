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
    private readonly List<(GatewayHost Host, Dictionary<string, string?> Settings)> _gateways;

    private InProcessCluster(
        string folder, Dictionary<string, string?> hostingConfiguration, IEnumerable<OdinHost> hosting, IEnumerable<(GatewayHost, Dictionary<string, string?>)> gateways)
    {
        _folder = folder;
        _hostingConfiguration = hostingConfiguration;
        _hosting = [.. hosting];
        _gateways = [.. gateways];
    }

    public IReadOnlyList<OdinHost> Hosting => _hosting;

    /// <summary>The Redis names this cluster's instances use (its own prefix: parallel clusters on one Redis never meet).</summary>
    public Odin.ClusterPrimitives.Redis.RedisNames RedisNames => new(_hostingConfiguration["Odin:Redis:ChannelPrefix"]!);

    /// <summary>The PostgreSQL database every Hosting instance uses.</summary>
    public string DatabaseConnectionString => _hostingConfiguration["Odin:Database:ConnectionString"]!;

    public IReadOnlyList<GatewayHost> Gateways => [.. _gateways.Select(g => g.Host)];

    /// <summary>The device-token signing key every Hosting instance starts with; its public half is beside it (<c>.pub.pem</c>), which gateway 0 reads.</summary>
    public string SigningKeyPath => Path.Combine(_folder, "signing-key.pem");

    /// <param name="hostingSettings">More configuration for the Hosting instances (colon form).</param>
    /// <param name="perHost">Settings of Hosting instance i alone (its listening addresses, say).</param>
    /// <param name="gatewaySettings">More configuration for the gateways (colon form).</param>
    public static async Task<InProcessCluster> StartAsync(
        IRedisDeployment redis, PostgresServer postgres, int hostingCount = 2, int gatewayCount = 2, IReadOnlyDictionary<string, string?>? hostingSettings = null,
        Func<int, IReadOnlyDictionary<string, string?>>? perHost = null, IReadOnlyDictionary<string, string?>? gatewaySettings = null)
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
        var gateways = await Task.WhenAll(Enumerable.Range(0, gatewayCount).Select(async i =>
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

            foreach (var (key, value) in gatewaySettings ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }

            return (await GatewayHost.StartAsync(settings), settings);
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

    /// <summary>
    /// Restarts Hosting instance <paramref name="index"/> at its address with <paramref name="settings"/> over the cluster's,
    /// as an operator's rolling restart does (a gateway that fetches its JWK Set finds it where it was).
    /// </summary>
    /// <param name="whileStopped">What the operator does while the instance is down (a database restore, say).</param>
    public async Task RestartHostingAsync(int index, IReadOnlyDictionary<string, string?> settings, Func<Task>? whileStopped = null)
    {
        var address = _hosting[index].BaseAddress;
        await _hosting[index].DisposeAsync();
        if (whileStopped is not null)
        {
            await whileStopped();
        }

        var configuration = Layered(_hostingConfiguration, settings);
        configuration["urls"] = address.ToString();
        _hosting[index] = await StartHostingAsync(_folder, configuration, index);
    }

    /// <summary>A rolling restart: every Hosting instance in turn, each with <paramref name="settings"/> over the cluster's; returns once all are ready.</summary>
    public async Task RollHostingAsync(IReadOnlyDictionary<string, string?> settings)
    {
        for (var i = 0; i < _hosting.Count; i++)
        {
            await RestartHostingAsync(i, settings);
        }

        await Eventually.TrueAsync(AllReadyAsync, "every instance ready after the rolling restart");
    }

    /// <summary>Restarts gateway <paramref name="index"/> with <paramref name="settings"/> over its own (on a new port).</summary>
    public async Task RestartGatewayAsync(int index, IReadOnlyDictionary<string, string?> settings)
    {
        var (host, own) = _gateways[index];
        await host.DisposeAsync();
        var configuration = Layered(own, settings);
        _gateways[index] = (await GatewayHost.StartAsync(configuration), configuration);
    }

    private static Dictionary<string, string?> Layered(IReadOnlyDictionary<string, string?> under, IReadOnlyDictionary<string, string?> over)
    {
        var layered = new Dictionary<string, string?>(under);
        foreach (var (key, value) in over)
        {
            layered[key] = value;
        }

        return layered;
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
