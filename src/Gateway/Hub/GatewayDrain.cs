using Microsoft.Extensions.Options;
using Odin.Gateway.Connections;

namespace Odin.Gateway.Hub;

/// <summary>
/// Graceful drain: on SIGTERM (through <see cref="DrainFirstLifetime"/>) or a host stop, before anything of the
/// application stops. From its first moment the gateway reports not ready (the load balancer stops sending new
/// devices) and refuses new connections with <c>Reconnect</c>; then it tells the connected devices to reconnect,
/// <see cref="GatewayOptions.DrainBatchSize"/> at a time spread over half the <see cref="GatewayOptions.DrainTimeout"/>
/// (so the other gateways are not hit by everyone at once), and closes each once that message is written (or after
/// <see cref="GatewayOptions.CloseTimeout"/>). Devices land on other gateways and resume from their last seq.
/// </summary>
/// <remarks>
/// It must run before the application stops: SignalR closes every connection the moment the application starts
/// stopping (<c>ApplicationStopping</c>), without a word to the device. So SIGTERM drains first and stops after, and
/// a stop by the host drains in <see cref="StoppingAsync"/>, which runs before <c>ApplicationStopping</c>.
/// </remarks>
internal sealed partial class GatewayDrain(
    LocalConnections connections, IOptions<GatewayOptions> options, TimeProvider time, ILogger<GatewayDrain> logger)
    : IHostedLifecycleService
{
    public const string Reason = "This gateway is shutting down: connect again (through the load balancer) and resume.";

    private readonly Lock _lock = new();
    private Task? _drain;

    /// <summary>True from the moment the drain began: not ready, and new connections are refused.</summary>
    public bool IsDraining => Volatile.Read(ref _drain) is not null;

    /// <summary>Drains once; later calls wait for the same drain.</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            return _drain ??= RunAsync();
        }
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => DrainAsync().WaitAsync(cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task RunAsync()
    {
        await Task.Yield(); // the caller (a signal handler) returns at once
        var all = connections.All;
        if (all.Count == 0)
        {
            return;
        }

        var batches = all.Chunk(options.Value.DrainBatchSize).ToList();
        var pause = batches.Count > 1 ? options.Value.DrainTimeout / 2 / batches.Count : TimeSpan.Zero;
        LogDraining(logger, all.Count, batches.Count, pause.TotalMilliseconds);
        for (var i = 0; i < batches.Count; i++)
        {
            var reconnect = DeviceMessages.Reconnect(Reason, 0);
            await Task.WhenAll(batches[i].Select(connection => CloseAsync(connection, reconnect)));
            if (i < batches.Count - 1 && pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, time); // spreading reconnects over the window, not waiting for a condition
            }
        }

        LogDrained(logger, all.Count);
    }

    /// <summary>
    /// Writes <c>Reconnect</c>, closes, and waits until the connection has ended: only then has its transport sent
    /// everything, so stopping the application after the last batch cannot cut a message still on its way.
    /// </summary>
    private async Task CloseAsync(DeviceConnection connection, Microsoft.AspNetCore.SignalR.SerializedHubMessage reconnect)
    {
        await connection.Queue.CloseAsync(reconnect, options.Value.CloseTimeout);
        await connection.Gone.WaitAsync(options.Value.CloseTimeout, time).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: sending {Count} devices elsewhere in {Batches} batches, {PauseMs} ms apart")]
    private static partial void LogDraining(ILogger logger, int count, int batches, double pauseMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained: {Count} devices told to reconnect elsewhere")]
    private static partial void LogDrained(ILogger logger, int count);
}
