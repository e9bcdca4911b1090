using Odin.ClusterPrimitives.Auth;

namespace Odin.Hosting.Auth;

public enum CallerKind
{
    Admin,
    Owner,
    Device,
}

/// <summary>Who made a request, once <see cref="RequestContextMiddleware"/> has authenticated it.</summary>
public sealed record Caller(CallerKind Kind, DeviceIdentity? Device = null)
{
    public bool CanRead(Guid driveId) => Kind == CallerKind.Owner || Device?.CanRead(driveId) == true;

    public bool CanWrite(Guid driveId) => Kind == CallerKind.Owner || Device?.CanWrite(driveId) == true;
}
