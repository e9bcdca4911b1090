using System.Diagnostics;
using Odin.Contracts;
using Odin.Testing;

namespace Odin.LoadTest.Compare;

/// <summary>One server under test: started as its own process, connected to by devices, published to through Redis.</summary>
internal abstract class BenchTarget : IAsyncDisposable
{
    private readonly ProcessGc _gc = new();
    private Process? _process;

    public abstract string Name { get; }

    public int Port { get; } = FreePort.Next();

    public int ProcessId => _process?.Id ?? 0;

    /// <summary>What the server has allocated and collected so far.</summary>
    public GcCounts Gc => _gc.Read();

    protected string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>More environment for the server process (<c>compare --server-env</c>, <c>--gateway-env</c>), to price a setting.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Starts the server and waits until it reports ready.</summary>
    public async Task StartAsync(string redis)
    {
        var start = new ProcessStartInfo("dotnet");
        Configure(start, redis);
        _gc.Attach(start);
        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        _process = await ServerProcess.StartAsync(start, Name, BaseUrl);
    }

    /// <summary>kill -9: the server dies with its connections open.</summary>
    public void Kill()
    {
        _process?.Kill();
        _process?.WaitForExit(10_000);
    }

    /// <summary>The program, its arguments and environment.</summary>
    protected abstract void Configure(ProcessStartInfo start, string redis);

    /// <summary>How many identities the devices are spread over: device <c>i</c> belongs to identity <c>i mod Identities</c>.</summary>
    public int Identities { get; private set; } = 1;

    public int IdentityOf(int device) => device % Identities;

    /// <summary>
    /// Work done before the clock starts (Odin: minting the devices' tokens, which Hosting does, not the gateway).
    /// </summary>
    public virtual void Prepare(int devices, int identities = 1) => Identities = identities;

    /// <summary>Connects one device (index <paramref name="device"/>) and subscribes it to its identity's benchmark drive.</summary>
    public abstract Task<BenchClient> ConnectAsync(int device, bool messagePack);

    /// <summary>Publishes a notification to the devices of identity <paramref name="identity"/> (0 ≤ identity &lt; <see cref="Identities"/>).</summary>
    public abstract Task PublishAsync(int identity, NotificationEnvelope envelope);

    /// <summary>Connects a device that subscribes like the others and then stops reading (<c>stalled</c>).</summary>
    public virtual Task<StalledClient> ConnectStalledAsync() => throw new NotSupportedException($"{Name} has no SignalR hub to stall.");

    public virtual ValueTask DisposeAsync()
    {
        ServerProcess.Stop(_process);
        _gc.Dispose();
        return ValueTask.CompletedTask;
    }
}
