using Microsoft.Extensions.Logging;

namespace Odin.ClusterPrimitives.PubSub;

/// <summary>
/// Holds one subscription for the life of a background service: subscribes (retrying every second while
/// the broker is unreachable, e.g. Redis down at start-up), keeps it until shutdown, then disposes it.
/// Once made, a Redis subscription survives reconnects by itself. A broker that stays away is logged once, then
/// once every <see cref="RepeatEvery"/> with the count of attempts, not once per attempt.
/// </summary>
public static partial class SubscriptionHost
{
    public static readonly TimeSpan RepeatEvery = TimeSpan.FromSeconds(30);

    public static async Task HoldAsync(
        Func<Task<IAsyncDisposable>> subscribe, string what, TimeProvider time, ILogger logger, CancellationToken stoppingToken)
    {
        IAsyncDisposable? subscription = null;
        var failures = 0;
        var lastLogged = DateTimeOffset.MinValue;
        try
        {
            while (subscription is null)
            {
                try
                {
                    subscription = await subscribe();
                    if (failures > 0)
                    {
                        LogSubscribed(logger, what, failures);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failures++;
                    if (time.GetUtcNow() - lastLogged >= RepeatEvery)
                    {
                        lastLogged = time.GetUtcNow();
                        LogSubscribeFailed(logger, what, failures, FirstLine(ex.Message));
                    }

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

    /// <summary>StackExchange.Redis puts its whole connection state in the message; its first sentence is the reason.</summary>
    private static string FirstLine(string message) => message.Split(';', 2)[0];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to {What} yet (attempt {Attempts}: {Reason}); retrying every second, logged every 30 s")]
    private static partial void LogSubscribeFailed(ILogger logger, string what, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribed to {What} after {Attempts} failed attempts")]
    private static partial void LogSubscribed(ILogger logger, string what, int attempts);
}
