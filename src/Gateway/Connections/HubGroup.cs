namespace Odin.Gateway.Connections;

/// <summary>
/// Whom a notification reaches on this gateway (<see cref="LocalConnections"/>): every device of an identity, or the
/// devices subscribed to one of its drives. A value, not a name: a connect and every notification look groups up, and a
/// string would be built and hashed each time.
/// </summary>
internal readonly record struct HubGroup(Guid TenantId, Guid? DriveId)
{
    /// <summary>Every device of a tenant.</summary>
    public static HubGroup Tenant(Guid tenantId) => new(tenantId, null);

    /// <summary>The devices subscribed to one drive of a tenant.</summary>
    public static HubGroup Drive(Guid tenantId, Guid driveId) => new(tenantId, driveId);
}
