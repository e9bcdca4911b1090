using System.Buffers.Binary;

namespace Odin.Hosting.Notifications;

/// <summary>
/// Each identity's outbox rows carry a slot: a fixed hash of the identity into <see cref="Count"/>. The dispatchers
/// split the slots into <c>Odin:Notifications:Shards</c> shards of consecutive slots (shard = slot × shards / 4096);
/// one dispatcher at a time publishes a shard, so each identity's notifications are published by one dispatcher, in seq
/// order. A shard is a range of the <c>outbox</c> table's key, so its rows are read without passing over another
/// shard's. The slot never changes, so the shard count can (<see cref="OutboxShards"/> switches it for everyone at once).
/// </summary>
public static class OutboxSlots
{
    /// <summary>Slots: the most shards there can be. A constant: it is written into every row.</summary>
    public const int Count = 4096;

    /// <summary>
    /// The slot of an identity: the first 32 bits of its id (as <see cref="Guid.ToByteArray"/> gives them, little-endian),
    /// mod <see cref="Count"/>: the last three hex digits of the id's first group, as migration 11 computes it in SQL.
    /// </summary>
    public static int Of(Guid tenantId) => (int)(BinaryPrimitives.ReadUInt32LittleEndian(tenantId.ToByteArray()) % Count);

    /// <summary>
    /// The shard of <paramref name="tenantId"/> when the outbox has <paramref name="shards"/> shards: its slot × shards /
    /// 4096, as <see cref="ShardOfSlotSql"/> computes it in SQL.
    /// </summary>
    public static int ShardOf(Guid tenantId, int shards) => Of(tenantId) * shards / Count;

    /// <summary>The shard of an <c>outbox</c> row (as <c>o</c>) under <c>@shards</c>, in SQL both engines run (integer division).</summary>
    public const string ShardOfSlotSql = "(o.slot * @shards / 4096)";

    /// <summary>The slots of <paramref name="shard"/>: from <c>First</c> up to, not including, <c>End</c>.</summary>
    public static (int First, int End) SlotsOf(int shard, int shards) => (FirstSlot(shard, shards), FirstSlot(shard + 1, shards));

    /// <summary>
    /// The slots of <paramref name="heldShards"/> as ranges, consecutive shards merged into one (an instance's fair
    /// share is mostly one run of shards: one read covers it), in slot order.
    /// </summary>
    public static IReadOnlyList<(int First, int End)> RangesOf(IEnumerable<int> heldShards, int shards)
    {
        var ranges = new List<(int First, int End)>();
        foreach (var (first, end) in heldShards.Order().Select(shard => SlotsOf(shard, shards)))
        {
            if (ranges.Count > 0 && ranges[^1].End == first)
            {
                ranges[^1] = (ranges[^1].First, end);
            }
            else
            {
                ranges.Add((first, end));
            }
        }

        return ranges;
    }

    /// <summary>The least slot with <c>slot * shards / 4096 >= shard</c>.</summary>
    private static int FirstSlot(int shard, int shards) => (shard * Count + shards - 1) / shards;
}
