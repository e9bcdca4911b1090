using Microsoft.Extensions.Logging.Abstractions;
using Odin.Hosting.Common;
using Odin.Testing;

namespace Odin.Hosting.Tests.Common;

/// <summary>A round of a background loop that fails is logged and the loop goes on: an exception that left a background service would stop the host.</summary>
public sealed class WorkLoopTests
{
    [Fact]
    public async Task A_round_that_fails_with_a_fault_is_not_the_end_of_the_loop()
    {
        var signal = new WakeSignal();
        using var loop = new ProbeLoop(signal);
        await loop.StartAsync(CancellationToken.None);

        await Eventually.TrueAsync(() => loop.Rounds >= 1, "the first round (it fails)");
        signal.WakeLocal();
        await Eventually.TrueAsync(() => loop.Rounds >= 2, "a round after the failed one");
        Assert.False(loop.ExecuteTask!.IsCompleted);
        await loop.StopAsync(CancellationToken.None);
    }

    private sealed class ProbeLoop(WakeSignal signal) : WorkLoop(signal, TimeProvider.System, NullLogger.Instance)
    {
        private int _rounds;

        public int Rounds => Volatile.Read(ref _rounds);

        protected override TimeSpan PollInterval => TimeSpan.FromMinutes(10); // only the wake-up starts the second round

        protected override Task<bool> RunOnceAsync(CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _rounds) == 1 ? throw new InvalidOperationException("a fault of the round") : Task.FromResult(false);
    }
}
