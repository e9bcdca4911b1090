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

    private InProcessCluster(string folder, IReadOnlyList<OdinHost> hosting, IReadOnlyList<GatewayHost> gateways)
    {
        _folder = folder;
        Hosting = hosting;
        Gateways = gateways;
    }

    public IReadOnlyList<OdinHost> Hosting { get; }

    public IReadOnlyList<GatewayHost> Gateways { get; }

    /// <param name="hostingSettings">More configuration for the Hosting instances (colon form).</param>
    public static async Task<InProcessCluster> StartAsync(
        RedisServer redis, PostgresServer postgres, int hostingCount = 2, int gatewayCount = 2, IReadOnlyDictionary<string, string?>? hostingSettings = null)
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
            OdinHost.StartAsync(hostingConfiguration, Directory.CreateDirectory(Path.Combine(folder, $"hosting{i}")).FullName)));
        var gateways = await Task.WhenAll(Enumerable.Range(0, gatewayCount).Select(i =>
        {
            var settings = new Dictionary<string, string?>(shared);
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
        var cluster = new InProcessCluster(folder, hosting, gateways);
        await Eventually.TrueAsync(cluster.AllReadyAsync, "every instance of the cluster to report ready");
        return cluster;
    }

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
