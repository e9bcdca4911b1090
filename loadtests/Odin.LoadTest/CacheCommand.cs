using System.Diagnostics;
using System.Globalization;
using HdrHistogram;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Odin.Hosting.Caching;
using Odin.ClusterPrimitives.Redis;
using ZiggyCreatures.Caching.Fusion;
using Odin.Testing;

namespace Odin.LoadTest;

/// <summary>
/// <c>cache</c>: (1) the Level1Cache hit path against a bare FusionCache memory hit, side by side in alternating
/// rounds (ratio); (2) how long a value set on one instance takes to be seen by another through Redis (the
/// distributed level and the backplane), as p50/p99 over many samples.
/// </summary>
public static class CacheCommand
{
    public const string Usage = "cache [--hits 2000000] [--rounds 5] [--samples 500]";

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var hits = int.Parse(args.Optional("hits", "2000000"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(args.Optional("rounds", "5"), CultureInfo.InvariantCulture);
        var samples = int.Parse(args.Optional("samples", "500"), CultureInfo.InvariantCulture);

        // (1) Hit path. The same FusionCache options everywhere. A bare tagged entry is measured too, to show what
        // tags cost a FusionCache read (which is why Level1Cache's per-request entries carry none).
        using var bare = new FusionCache(new FusionCacheOptions());
        using var bareTagged = new FusionCache(new FusionCacheOptions());
        using var wrapped = new FusionCache(new FusionCacheOptions());
        var level1 = new Level1Cache(wrapped, Options.Create(new Level1CacheOptions()));
        var tenant = Guid.NewGuid();
        var key = Level1Cache.TenantKey("bench", tenant, "k");
        await bare.SetAsync(key, true, token: cancellationToken);
        await bareTagged.SetAsync(key, true, tags: [Level1Cache.TenantTag(tenant)], token: cancellationToken);
        await level1.GetOrSetAsync(key, _ => Task.FromResult(true), cancellationToken: cancellationToken);
        Func<CancellationToken, Task<bool>> neverCalled = _ => throw new InvalidOperationException("a hit never runs the factory");
        var bareRates = new List<double>();
        var taggedRates = new List<double>();
        var level1Rates = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            bareRates.Add(await RateAsync(hits, () => bare.GetOrSetAsync<bool>(key, (_, ct) => neverCalled(ct), token: cancellationToken)));
            taggedRates.Add(await RateAsync(hits, () => bareTagged.GetOrSetAsync<bool>(key, (_, ct) => neverCalled(ct), token: cancellationToken)));
            level1Rates.Add(await RateAsync(hits, () => level1.GetOrSetAsync(key, neverCalled, cancellationToken: cancellationToken)));
        }

        var (bareMedian, taggedMedian, level1Median) = (Statistics.Median(bareRates), Statistics.Median(taggedRates), Statistics.Median(level1Rates));
        Console.WriteLine($"hit path (median of {rounds} alternating rounds): bare FusionCache {bareMedian:F0}/s, bare tagged {taggedMedian:F0}/s, "
            + $"Level1Cache {level1Median:F0}/s; Level1Cache / bare {level1Median / bareMedian:F2}");

        // (2) Cross-instance invalidation delay on a real Redis.
        await using var redis = await RedisServer.StartNewAsync();
        await using var a = Instance(redis.ConnectionString);
        await using var b = Instance(redis.ConnectionString);
        var cacheA = a.GetRequiredService<Level1Cache>();
        var cacheB = b.GetRequiredService<Level1Cache>();
        var shared = Level1Cache.TenantKey("bench", tenant, "shared");
        await cacheA.SetAsync(shared, -1, tenant, cancellationToken);
        while (await cacheB.GetOrSetAsync(shared, _ => Task.FromResult(-2), cancellationToken: cancellationToken) != -1)
        {
            await Task.Delay(10, cancellationToken); // until both are connected and B holds the entry in memory
        }

        var histogram = new LongHistogram(TimeSpan.FromSeconds(10).Ticks, 3);
        for (var i = 0; i < samples; i++)
        {
            await cacheA.SetAsync(shared, i, tenant, cancellationToken);
            var clock = Stopwatch.StartNew();
            while (await cacheB.GetOrSetAsync(shared, _ => Task.FromResult(-2), cancellationToken: cancellationToken) != i)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(5))
                {
                    throw new TimeoutException($"instance B never saw value {i}");
                }

                await Task.Yield();
            }

            histogram.RecordValue(clock.Elapsed.Ticks);
        }

        double Ms(double percentile) => histogram.GetValueAtPercentile(percentile) / (double)TimeSpan.TicksPerMillisecond;
        Console.WriteLine($"invalidation across instances ({samples} samples): p50 {Ms(50):F2} ms, p99 {Ms(99):F2} ms, max {histogram.GetMaxValue() / (double)TimeSpan.TicksPerMillisecond:F2} ms");
        return 0;
    }

    /// <summary>One Odin.Hosting instance's Level1Cache, composed as Odin.Hosting composes it.</summary>
    private static ServiceProvider Instance(string redis)
    {
        var options = new RedisOptions { Configuration = redis, ChannelPrefix = "odin-cache-bench" };
        var services = new ServiceCollection().AddLogging();
        services.AddOdinRedis(options);
        services.AddLevel1Cache(new ConfigurationBuilder().Build(), options);
        return services.BuildServiceProvider();
    }

    private static async Task<double> RateAsync(int count, Func<ValueTask<bool>> hit)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await hit();
        }

        return count / clock.Elapsed.TotalSeconds;
    }
}
