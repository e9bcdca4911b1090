using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Odin.Testing;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, in a temp folder, stopped by its own PID. As an
/// operator should run it: the default user is off, and Odin connects as an ACL user with a password.
/// </summary>
public sealed class RedisServer : IRedisDeployment, IAsyncDisposable
{
    public const string User = "odin";

    private readonly string _folder = Directory.CreateTempSubdirectory("odin-redis-").FullName;
    private readonly bool _tls;
    private Process? _process;

    public RedisServer()
        : this(tls: false)
    {
    }

    private RedisServer(bool tls) => _tls = tls;

    /// <summary>A server that speaks only TLS, with a certificate from a CA of its own (<see cref="TrustedCaPath"/>).</summary>
    public static RedisServer WithTls() => new(tls: true);

    public int Port { get; } = FreePort.Next();

    /// <summary>PEM of the CA that signed the server's certificate (TLS only), as <c>Odin:Redis:TrustedCaPath</c> takes it.</summary>
    public string? TrustedCaPath => _tls ? Path.Combine(_folder, "ca.pem") : null;

    public string Password { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>StackExchange.Redis configuration string for this server.</summary>
    public string ConnectionString =>
        $"127.0.0.1:{Port},user={User},password={Password},abortConnect=false" + (_tls ? ",ssl=true,sslHost=localhost" : "");

    public async Task InitializeAsync() => await StartAsync();

    /// <summary>A server started and answering (for the load driver, which has no test framework to start it).</summary>
    public static async Task<RedisServer> StartNewAsync()
    {
        var server = new RedisServer();
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        var binary = ServerBinaries.Find("redis-server");
        string[] listen = ["--port", Port.ToString()];
        if (_tls)
        {
            var (certificate, key) = TestCertificateAuthority.WriteServerCertificate(_folder, TrustedCaPath!);
            listen = ["--port", "0", "--tls-port", Port.ToString(), "--tls-cert-file", certificate, "--tls-key-file", key, "--tls-auth-clients", "no"];
        }

        _process = ChildProcess.Start(binary, Path.Combine(_folder, "redis.log"),
            [.. listen, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", _folder, "--daemonize", "no", "--maxclients", "4000",
            "--user", "default", "off", "--user", User, "on", $">{Password}", "~*", "&*", "+@all"]);
        await Eventually.TrueAsync(PingAsync, $"redis-server on port {Port} to answer PING (log: {_folder}/redis.log)");
    }

    /// <summary>Kills the server (as a crash would); <see cref="StartAsync"/> brings it back on the same port.</summary>
    public void Kill() => ChildProcess.Kill(_process);

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    public Task DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<bool> PingAsync()
    {
        if (_process is { HasExited: true })
        {
            throw new InvalidOperationException($"redis-server exited: {await File.ReadAllTextAsync(Path.Combine(_folder, "redis.log"))}");
        }

        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            Stream stream = client.GetStream();
            if (_tls)
            {
                var tls = new System.Net.Security.SslStream(stream, false,
                    (_, certificate, _, _) => certificate is not null && TestCertificateAuthority.IsSignedBy(certificate, TrustedCaPath!));
                await tls.AuthenticateAsClientAsync("localhost");
                stream = tls;
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes($"AUTH {User} {Password}\r\nPING\r\n"));
            var answer = new StringBuilder();
            var buffer = new byte[64];
            while (!answer.ToString().Contains("\r\n+PONG", StringComparison.Ordinal) && !answer.ToString().StartsWith('-'))
            {
                var read = await stream.ReadAsync(buffer);
                if (read == 0)
                {
                    return false;
                }

                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            return answer.ToString().StartsWith("+OK\r\n+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
