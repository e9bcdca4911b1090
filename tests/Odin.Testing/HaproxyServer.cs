using System.Diagnostics;

namespace Odin.Testing;

/// <summary>
/// A real <c>haproxy</c> running the repository's own <c>deploy/haproxy.cfg</c>, its server addresses given
/// through the environment as that file expects, stopped by its own PID.
/// </summary>
public sealed class HaproxyServer : IAsyncDisposable
{
    private readonly Process _process;

    private HaproxyServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public Uri HubUrl => new(BaseAddress, "/hubs/device");

    /// <param name="port">The port to listen on; a free one when null (a caller that must tell others the address first picks it).</param>
    /// <param name="edge">The configuration's optional edge settings (<c>ODIN_HTTP_REQUEST_TIMEOUT</c> and the like); its defaults otherwise.</param>
    public static async Task<HaproxyServer> StartAsync(
        IReadOnlyList<string> gateways, IReadOnlyList<string> hosting, string logFolder, int? port = null, IReadOnlyDictionary<string, string>? edge = null)
    {
        port ??= FreePort.Next();
        var start = new ProcessStartInfo(ServerBinaries.Find("haproxy"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "-db", "-f", RepositoryPaths.InRepository("deploy", "haproxy.cfg") },
            Environment =
            {
                ["ODIN_BIND"] = $"127.0.0.1:{port}",
                ["ODIN_GATEWAY1"] = gateways[0],
                ["ODIN_GATEWAY2"] = gateways[1],
                ["ODIN_HOSTING1"] = hosting[0],
                ["ODIN_HOSTING2"] = hosting[1],
            },
        };
        foreach (var (name, value) in edge ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var logPath = Path.Combine(logFolder, "haproxy.log");
        var server = new HaproxyServer(ChildProcess.Start(start, logPath), port.Value);
        await Eventually.TrueAsync(async () =>
        {
            if (server._process.HasExited)
            {
                throw new InvalidOperationException($"haproxy exited: {await File.ReadAllTextAsync(logPath)}");
            }

            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            try
            {
                using var response = await http.GetAsync("/health/ready");
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, $"haproxy on port {port} to route to a ready Hosting instance (log: {logPath})");
        return server;
    }

    public ValueTask DisposeAsync()
    {
        ChildProcess.Kill(_process);
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
