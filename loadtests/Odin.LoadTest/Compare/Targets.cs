using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Odin.Baselines;
using Odin.Hosting.Auth;
using Odin.ClusterPrimitives.Auth;
using Odin.ClusterPrimitives.Notifications;
using Odin.Contracts;
using Odin.ClusterPrimitives.Redis;
using StackExchange.Redis;
using Odin.Testing;

namespace Odin.LoadTest.Compare;

/// <summary>(a) The ceiling: raw Kestrel WebSockets fanning out what arrives on a Redis channel.</summary>
internal sealed class RawTarget(IConnectionMultiplexer redis) : BenchTarget
{
    public override string Name => "raw-websockets";

    protected override void Configure(ProcessStartInfo start, string redisConfiguration)
    {
        start.ArgumentList.Add(Repository.Dll("loadtests/Odin.Baselines", "Odin.Baselines"));
        start.ArgumentList.Add("raw");
        start.ArgumentList.Add("--redis");
        start.ArgumentList.Add(redisConfiguration);
    }

    public override async Task<BenchClient> ConnectAsync(int device, bool messagePack)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{Port}/ws?group={IdentityOf(device)}"), CancellationToken.None);
        return new RawClient(socket);
    }

    public override Task PublishAsync(int identity, NotificationEnvelope envelope) =>
        redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RawFanoutServer.Channel(identity)), NotificationWire.Write(envelope));

    private sealed class RawClient : BenchClient
    {
        private readonly ClientWebSocket _socket;
        private readonly Task _loop;

        public RawClient(ClientWebSocket socket)
        {
            _socket = socket;
            _loop = Task.Run(ReceiveAsync);
        }

        public override async ValueTask DisposeAsync()
        {
            _socket.Abort();
            await _loop;
            _socket.Dispose();
        }

        private async Task ReceiveAsync()
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    if (NotificationWire.Read(buffer.AsSpan(0, result.Count)) is { } envelope)
                    {
                        Arrived(envelope);
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
                // closed
            }
        }
    }
}

/// <summary>(b) What a user would otherwise pick: a SignalR hub with the Redis backplane and default settings.</summary>
internal sealed class PlainSignalRTarget : BenchTarget
{
    private readonly ServiceProvider _publisher;

    public PlainSignalRTarget(string redis)
    {
        // A publisher as a plain SignalR app would have one: IHubContext over the Redis backplane.
        var services = new ServiceCollection().AddLogging();
        services.AddSignalR().AddStackExchangeRedis(redis);
        _publisher = services.BuildServiceProvider();
    }

    public override string Name => "plain-signalr-redis";

    protected override void Configure(ProcessStartInfo start, string redisConfiguration)
    {
        start.ArgumentList.Add(Repository.Dll("loadtests/Odin.Baselines", "Odin.Baselines"));
        start.ArgumentList.Add("signalr");
        start.ArgumentList.Add("--redis");
        start.ArgumentList.Add(redisConfiguration);
    }

    public override async Task<BenchClient> ConnectAsync(int device, bool messagePack)
    {
        var connection = DeviceConnection.Build($"http://127.0.0.1:{Port}/hubs/bench", () => Task.FromResult<string?>(null), messagePack);
        var client = new HubClient(connection);
        await connection.StartAsync();
        await connection.InvokeAsync(nameof(BenchHub.Subscribe), Group(IdentityOf(device)));
        return client;
    }

    /// <summary>An identity's group: what a plain SignalR app would use for one identity's devices.</summary>
    private static string Group(int identity) => $"d:bench:{identity}";

    public override Task PublishAsync(int identity, NotificationEnvelope envelope) =>
        _publisher.GetRequiredService<IHubContext<BenchHub>>().Clients.Group(Group(identity)).SendAsync(nameof(IDeviceClient.Notification), envelope);

    public override Task<StalledClient> ConnectStalledAsync() => StalledClient.ConnectAsync(new Uri($"{BaseUrl}/hubs/bench"), null, $"[\"{Group(0)}\"]");

    public override async ValueTask DisposeAsync()
    {
        await _publisher.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>(c) The Odin gateway: device tokens, subscriptions, seq, the notification bus.</summary>
internal sealed class OdinGatewayTarget : BenchTarget
{
    private readonly string _folder;
    private readonly bool _ownsFolder;
    private readonly RedisNotificationBus _bus;
    private readonly DeviceTokenIssuer _issuer;
    private readonly bool _history;
    private string[] _tokens = [];
    private Guid[] _tenants;

    /// <param name="history">Append each notification to its identity's history as it is published (Odin's default).</param>
    public OdinGatewayTarget(IConnectionMultiplexer redis, bool history = true)
    {
        _folder = Directory.CreateTempSubdirectory("odin-bench-").FullName;
        _ownsFolder = true;
        _history = history;
        var names = new RedisNames(BenchChannelPrefix);
        _bus = new RedisNotificationBus(redis, names, new RedisNotificationHistory(redis, names, Options.Create(new HistoryOptions { Enabled = history }), TimeProvider.System));
        var key = SigningKey.Load(Path.Combine(_folder, "key.pem"), createIfMissing: true);
        _issuer = new DeviceTokenIssuer(key, new GeneratedTenantDeviceKeys(), Options.Create(new AuthOptions()), TimeProvider.System);
        Tenant = Guid.NewGuid();
        _tenants = [Tenant];
        Drive = Guid.NewGuid();
    }

    private OdinGatewayTarget(OdinGatewayTarget first)
    {
        (_folder, _ownsFolder, _bus, _issuer, _history, _tokens, _tenants) = (first._folder, false, first._bus, first._issuer, first._history, first._tokens, first._tenants);
        (Tenant, Drive, Environment, GatewayDll) = (first.Tenant, first.Drive, first.Environment, first.GatewayDll);
    }

    /// <summary>
    /// The first identity, new per target: every round numbers its notifications from 1 on one Redis, whose history
    /// outlives the round. <see cref="Prepare"/> makes the others of the many-identities shape.
    /// </summary>
    public Guid Tenant { get; }

    public Guid Drive { get; }

    /// <summary>The gateway build to run (another commit's, to compare with); this repository's by default.</summary>
    public string? GatewayDll { get; init; }

    /// <summary>A second gateway of the same installation: it trusts the same key, so the same devices can move to it.</summary>
    public OdinGatewayTarget Twin() => new(this);

    public override string Name => _history ? "odin-gateway" : "odin-gateway-no-history";

    /// <summary>The Redis prefix of the benchmark's gateways.</summary>
    public const string BenchChannelPrefix = "odin-bench";

    protected override void Configure(ProcessStartInfo start, string redisConfiguration)
    {
        start.ArgumentList.Add(GatewayDll ?? Repository.Dll("src/Gateway", "Odin.Gateway"));
        start.Environment["Odin__Redis__Configuration"] = redisConfiguration;
        start.Environment["Odin__Redis__ChannelPrefix"] = BenchChannelPrefix;
        start.Environment["Odin__Auth__PublicKeyPath"] = Path.Combine(_folder, "key.pub.pem");
        // One benchmark tenant may hold every connection.
        start.Environment["Odin__Gateway__MaxConnectionsPerTenant"] = "1000000";
        // ...so presence events are off: each connect would reach every other benchmark device (see GatewayOptions).
        start.Environment["Odin__Gateway__PresenceEvents"] = "false";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
    }

    public override void Prepare(int devices, int identities = 1)
    {
        base.Prepare(devices, identities);
        _tenants = [Tenant, .. Enumerable.Range(1, identities - 1).Select(_ => Guid.NewGuid())];
        _tokens = [.. Enumerable.Range(0, devices).Select(device => TokenFor(_tenants[IdentityOf(device)]))];
    }

    public string HubUrl => $"{BaseUrl}/hubs/device";

    /// <summary>A token for a new device of <paramref name="tenant"/>, reading <see cref="Drive"/> (as Hosting mints them).</summary>
    public string TokenFor(Guid tenant) => _issuer.IssueAsync(new DeviceIdentity(
        tenant, "bench.example", Guid.NewGuid(), new Dictionary<Guid, DrivePermission> { [Drive] = DrivePermission.Read })).GetAwaiter().GetResult().Token;

    /// <summary>Connects a device with <paramref name="token"/> and subscribes it to <see cref="Drive"/>.</summary>
    public async Task<HubClient> ConnectAsync(string token, bool messagePack)
    {
        var connection = DeviceConnection.Build(HubUrl, () => Task.FromResult<string?>(token), messagePack);
        var client = new HubClient(connection);
        await connection.StartAsync();
        var result = await connection.InvokeAsync<SubscribeResult>(DeviceHubMethods.Subscribe, new SubscribeRequest { DriveIds = [Drive] });
        return result.Accepted.Length == 1 ? client : throw new InvalidOperationException("the gateway rejected the benchmark drive");
    }

    /// <summary>Device <paramref name="device"/>'s token (minted by <see cref="Prepare"/> of the first gateway).</summary>
    public string Token(int device) => _tokens[device];

    public override async Task<BenchClient> ConnectAsync(int device, bool messagePack) => await ConnectAsync(_tokens[device], messagePack);

    public override Task<StalledClient> ConnectStalledAsync() => StalledClient.ConnectAsync(new Uri(HubUrl), TokenFor(Tenant), $$"""[{"driveIds":["{{Drive}}"]}]""");

    public override Task PublishAsync(int identity, NotificationEnvelope envelope) =>
        _bus.PublishAsync(envelope with { TenantId = _tenants[identity], DriveId = Drive });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsFolder)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}

/// <summary>A SignalR .NET client device (plain SignalR and Odin).</summary>
public sealed class HubClient : BenchClient
{
    private readonly HubConnection _connection;

    public HubClient(HubConnection connection)
    {
        _connection = connection;
        connection.On<NotificationEnvelope>(nameof(IDeviceClient.Notification), Arrived);
    }

    public bool IsConnected => _connection.State == HubConnectionState.Connected;

    public override ValueTask DisposeAsync() => _connection.DisposeAsync();
}
