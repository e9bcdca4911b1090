namespace Odin.Shared.Notifications;

/// <summary>
/// Tenants hash into a fixed number of shards. A shard is one ordered path end to end: one outbox shard
/// claimed by one dispatcher at a time, one bus channel read in order by every gateway. So each tenant's
/// notifications stay in seq order from commit to device, while shards run in parallel.
/// </summary>
public static class NotificationShards
{
    /// <summary>A constant: changing it while instances run could let two paths carry one tenant.</summary>
    public const int Count = 16;

    public static int Of(Guid tenantId) => (int)(BitConverter.ToUInt32(tenantId.ToByteArray(), 0) % Count);
}
