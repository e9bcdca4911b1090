using System.Diagnostics;
using StackExchange.Redis;

namespace Odin.Testing;

/// <summary>
/// A real Redis Cluster on loopback: 3 masters with a replica each (<c>redis-server --cluster-enabled yes</c>, joined
/// by <c>redis-cli --cluster create</c>), in a temp folder, each node stopped by its own PID. As <see cref="RedisServer"/>:
/// the default user is off and Odin connects as an ACL user with a password (replicas replicate as that user too).
/// A short node timeout makes a replica take over within seconds of its master's death.
/// </summary>
public sealed class RedisClusterServer : IRedisDeployment
{
    public const int Masters = 3;

    private readonly string _folder = Directory.CreateTempSubdirectory("odin-redis-cluster-").FullName;
    private readonly Node[] _nodes = [.. Enumerable.Range(0, Masters * 2).Select(_ => new Node(FreePort.Next(), FreePort.Next()))];
    private ConnectionMultiplexer? _admin;

    public string Password { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>Every node's port (masters and replicas, as created: the first three start as masters).</summary>
    public IReadOnlyList<int> Ports => [.. _nodes.Select(n => n.Port)];

    public string ConnectionString =>
        string.Join(',', _nodes.Select(n => $"127.0.0.1:{n.Port}")) + $",user={RedisServer.User},password={Password},abortConnect=false";

    public string? TrustedCaPath => null;

    /// <summary>A connection of the test's own, for Redis's own counters (<c>PUBSUB SHARDNUMSUB</c>, <c>CLIENT LIST</c>, <c>INFO</c>).</summary>
    public IConnectionMultiplexer Admin => _admin ?? throw new InvalidOperationException("The cluster is not started.");

    public async Task InitializeAsync()
    {
        var binary = ServerBinaries.Find("redis-server");
        foreach (var node in _nodes)
        {
            var folder = Directory.CreateDirectory(Path.Combine(_folder, node.Port.ToString())).FullName;
            node.Process = ChildProcess.Start(binary, Path.Combine(folder, "redis.log"),
                "--port", node.Port.ToString(), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-port", node.BusPort.ToString(),
                "--cluster-config-file", Path.Combine(folder, "nodes.conf"), "--cluster-node-timeout", "1000",
                "--cluster-replica-validity-factor", "0", "--save", "", "--appendonly", "no", "--dir", folder, "--daemonize", "no",
                "--maxclients", "4000", "--user", "default", "off", "--user", RedisServer.User, "on", $">{Password}", "~*", "&*", "+@all",
                "--masteruser", RedisServer.User, "--masterauth", Password);
        }

        await Task.WhenAll(_nodes.Select(n => Eventually.TrueAsync(() => AnswersAsync(n), $"redis-server on port {n.Port} to answer")));
        await ChildProcess.RunAsync(ServerBinaries.Find("redis-cli"),
            ["--cluster", "create", .. _nodes.Select(n => $"127.0.0.1:{n.Port}"), "--cluster-replicas", "1", "--cluster-yes",
            "--user", RedisServer.User, "--pass", Password, "--no-auth-warning"]);
        _admin = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
        await Eventually.TrueAsync(ReadyAsync, "every node of the Redis Cluster to say cluster_state:ok with 3 masters", TimeSpan.FromSeconds(60));
    }

    /// <summary>The masters now (after a failover: the promoted replicas).</summary>
    public async Task<IReadOnlyList<IServer>> MastersAsync()
    {
        await Admin.ConfigureAsync();
        return [.. Admin.GetServers().Where(s => s.IsConnected && !s.IsReplica)];
    }

    /// <summary>The master that owns <paramref name="key"/>'s slot (a key or a sharded channel name).</summary>
    public IServer MasterOf(string key) => Admin.GetServer(Admin.GetDatabase().IdentifyEndpoint(key)!);

    /// <summary>How many clients are subscribed to a sharded channel, from the master that owns it.</summary>
    public async Task<long> ShardSubscribersAsync(string channel)
    {
        var answer = (RedisResult[])(await MasterOf(channel).ExecuteAsync("PUBSUB", "SHARDNUMSUB", channel))!;
        return (long)answer[1];
    }

    /// <summary>Kills a master as a crash would (<c>kill -9</c>); returns its port.</summary>
    public async Task<int> KillMasterOfAsync(string key)
    {
        var port = ((System.Net.IPEndPoint)MasterOf(key).EndPoint).Port;
        var node = _nodes.Single(n => n.Port == port);
        node.Process!.Kill(entireProcessTree: true);
        await node.Process.WaitForExitAsync();
        return port;
    }

    /// <summary>Waits until the cluster is whole again without the killed node: marked failed, its replica serving its slots.</summary>
    public Task FailedOverAsync(int deadPort) => Eventually.TrueAsync(
        async () =>
        {
            var alive = _nodes.First(n => n.Process is { HasExited: false });
            var dead = (await CliAsync(alive, "CLUSTER", "NODES")).Split('\n').FirstOrDefault(line => line.Contains($":{deadPort}@", StringComparison.Ordinal));
            return dead is not null && dead.Contains("fail", StringComparison.Ordinal) && await ReadyAsync();
        },
        $"a replica to take over the slots of the master on port {deadPort}",
        TimeSpan.FromSeconds(60));

    public async Task DisposeAsync()
    {
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }

        foreach (var node in _nodes)
        {
            ChildProcess.Kill(node.Process);
            node.Process?.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private async Task<bool> ReadyAsync()
    {
        foreach (var node in _nodes.Where(n => n.Process is { HasExited: false }))
        {
            var info = await CliAsync(node, "CLUSTER", "INFO");
            if (!info.Contains("cluster_state:ok", StringComparison.Ordinal) || !info.Contains($"cluster_size:{Masters}", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private async Task<bool> AnswersAsync(Node node)
    {
        if (node.Process is { HasExited: true })
        {
            throw new InvalidOperationException($"redis-server on port {node.Port} exited: {await File.ReadAllTextAsync(Path.Combine(_folder, node.Port.ToString(), "redis.log"))}");
        }

        try
        {
            return (await CliAsync(node, "PING")).Contains("PONG", StringComparison.Ordinal);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private Task<string> CliAsync(Node node, params string[] command) => ChildProcess.RunAsync(ServerBinaries.Find("redis-cli"),
        ["-p", node.Port.ToString(), "--user", RedisServer.User, "--pass", Password, "--no-auth-warning", .. command]);

    private sealed class Node(int port, int busPort)
    {
        public int Port { get; } = port;

        public int BusPort { get; } = busPort;

        public Process? Process { get; set; }
    }
}
