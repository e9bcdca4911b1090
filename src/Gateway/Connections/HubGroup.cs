namespace Odin.Gateway.Connections;

/// <summary>The only place SignalR group names are built.</summary>
internal static class HubGroups
{
    /// <summary>Every device of a tenant.</summary>
    public static string Tenant(Guid tenantId) => $"t:{tenantId}";

    /// <summary>The devices subscribed to one drive of a tenant.</summary>
    public static string Drive(Guid tenantId, Guid driveId) => $"t:{tenantId}:d:{driveId}";
}
