using Microsoft.Extensions.Logging;

namespace Odin.Shared.PubSub;

/// <summary>
/// Holds one subscription for the life of a background service: subscribes (retrying every second while
/// the broker is unreachable, e.g. Redis down at start-up), keeps it until shutdown, then disposes it.
/// Once made, a Redis subscription survives reconnects by itself.
/// </summary>
public static partial class SubscriptionHost
{
    public static async Task HoldAsync(
        Func<Task<IAsyncDisposable>> subscribe, string what, TimeProvider time, ILogger logger, CancellationToken stoppingToken)
    {
        IAsyncDisposable? subscription = null;
        try
        {
            while (subscription is null)
            {
                try
                {
                    subscription = await subscribe();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSubscribeFailed(logger, what, ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
                }
            }

            await Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            if (subscription is not null)
            {
                await subscription.DisposeAsync();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to {What} yet ({Reason}); retrying")]
    private static partial void LogSubscribeFailed(ILogger logger, string what, string reason);
}
