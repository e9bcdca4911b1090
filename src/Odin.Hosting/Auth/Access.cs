namespace Odin.Hosting.Auth;

/// <summary>Endpoint metadata: which callers an endpoint admits. Checked before the body is read.</summary>
public sealed record Access(params CallerKind[] Allowed);

/// <summary>Endpoint metadata: the endpoint belongs to the tenant named by the <c>Host</c> header.</summary>
public sealed record TenantHost;

public static class AccessConventions
{
    public static TBuilder ForTenantHost<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new TenantHost());

    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Access(CallerKind.Admin));

    public static TBuilder RequireOwner<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Access(CallerKind.Owner));

    public static TBuilder RequireOwnerOrDevice<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Access(CallerKind.Owner, CallerKind.Device));
}
