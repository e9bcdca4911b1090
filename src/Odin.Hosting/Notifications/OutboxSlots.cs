namespace Odin.Hosting.Notifications;

/// <summary>
/// Each identity's outbox rows carry a slot: a fixed hash of the identity into <see cref="Count"/>. The dispatchers
/// split the outbox into <c>Odin:Notifications:Shards</c> shards, shard = slot mod shards; one dispatcher at a time
/// publishes a shard, so each identity's notifications are published by one dispatcher, in seq order. The slot never
/// changes, so the shard count can (<see cref="OutboxShards"/> switches it for everyone at once).
/// </summary>
public static class OutboxSlots
{
    /// <summary>Slots: the most shards there can be. A constant: it is written into every row.</summary>
    public const int Count = 4096;

    /// <summary>The slot of an identity: the first 32 bits of its id (as <see cref="Guid.ToByteArray"/> gives them), mod <see cref="Count"/>.</summary>
    public static int Of(Guid tenantId) => (int)(BitConverter.ToUInt32(tenantId.ToByteArray(), 0) % Count);

    /// <summary>The shard of <paramref name="tenantId"/> when the outbox has <paramref name="shards"/> shards.</summary>
    public static int ShardOf(Guid tenantId, int shards) => Of(tenantId) % shards;
}
