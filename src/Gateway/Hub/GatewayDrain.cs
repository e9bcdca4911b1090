using Microsoft.Extensions.Options;
using Odin.Gateway.Connections;

namespace Odin.Gateway.Hub;

/// <summary>
/// Graceful drain on SIGTERM. Stopping already makes <c>/health/ready</c> fail (the load balancer stops sending
/// new devices) and new connections are refused with <c>Reconnect</c>; this then tells the connected devices to
/// reconnect, <see cref="GatewayOptions.DrainBatchSize"/> at a time spread over half the
/// <see cref="GatewayOptions.DrainTimeout"/> (so the other gateways are not hit by everyone at once), and closes
/// each once that message is written (or after <see cref="GatewayOptions.CloseTimeout"/>). Devices land on other gateways and resume from their last seq.
/// </summary>
internal sealed partial class GatewayDrain(
    LocalConnections connections, IOptions<GatewayOptions> options, TimeProvider time, ILogger<GatewayDrain> logger)
    : IHostedService
{
    public const string Reason = "This gateway is shutting down: connect again (through the load balancer) and resume.";

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var all = connections.All;
        if (all.Count == 0)
        {
            return;
        }

        var batches = all.Chunk(options.Value.DrainBatchSize).ToList();
        var pause = batches.Count > 1 ? options.Value.DrainTimeout / 2 / batches.Count : TimeSpan.Zero;
        LogDraining(logger, all.Count, batches.Count);
        foreach (var batch in batches)
        {
            var reconnect = DeviceMessages.Reconnect(Reason, 0);
            await Task.WhenAll(batch.Select(connection => connection.Queue.CloseAsync(reconnect, options.Value.CloseTimeout)));
            if (pause > TimeSpan.Zero && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(pause, time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default); // spreading reconnects, not waiting for a condition
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: sending {Count} devices elsewhere in {Batches} batches")]
    private static partial void LogDraining(ILogger logger, int count, int batches);
}
