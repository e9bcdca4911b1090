using Microsoft.Extensions.Options;
using Odin.Hosting.Caching;
using ZiggyCreatures.Caching.Fusion;

namespace Odin.Hosting.Tests.Storage;

internal static class TestCaches
{
    /// <summary>A memory-only Level1Cache, as a single node has.</summary>
    public static Level1Cache Memory() => new(new FusionCache(new FusionCacheOptions()), Options.Create(new Level1CacheOptions()));
}
