using Odin.Hosting.Notifications;

namespace Odin.Hosting.Tests.Notifications;

public sealed class OutboxSlotsTests
{
    /// <summary>
    /// A shard is the range of slots <see cref="OutboxSlots.SlotsOf"/> gives (what a claim reads), and every identity is
    /// in the shard whose range holds its slot (what the leases and wake-ups use): the ranges cover the 4096 slots once,
    /// in order, for any count, even or not.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(16)]
    [InlineData(1000)]
    [InlineData(4096)]
    public void The_shards_split_the_slots_into_consecutive_ranges_that_agree_with_ShardOf(int shards)
    {
        var next = 0;
        for (var shard = 0; shard < shards; shard++)
        {
            var (first, end) = OutboxSlots.SlotsOf(shard, shards);
            Assert.Equal(next, first);
            Assert.True(end > first, $"shard {shard} of {shards} has no slot");
            next = end;
        }

        Assert.Equal(OutboxSlots.Count, next);
        for (var i = 0; i < 2000; i++)
        {
            var tenant = Guid.NewGuid();
            var (first, end) = OutboxSlots.SlotsOf(OutboxSlots.ShardOf(tenant, shards), shards);
            Assert.InRange(OutboxSlots.Of(tenant), first, end - 1);
        }
    }

    [Fact]
    public void Consecutive_held_shards_are_read_as_one_range_of_slots()
    {
        Assert.Equal([(0, 4096)], OutboxSlots.RangesOf(Enumerable.Range(0, 16), 16));
        Assert.Equal([(0, 512), (768, 1280), (3840, 4096)], OutboxSlots.RangesOf([15, 4, 0, 3, 1], 16));
        Assert.Empty(OutboxSlots.RangesOf([], 16));
    }
}
