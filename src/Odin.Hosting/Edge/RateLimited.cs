namespace Odin.Hosting.Edge;

/// <summary>The endpoints anyone can call that cost this server something: each has its own limits.</summary>
public enum RateLimitClass
{
    DeviceToken,
    PeerInbox,
    Admin,
}

/// <summary>Endpoint metadata: the endpoint counts against the limits of its class.</summary>
public sealed record RateLimited(RateLimitClass Class);

public static class RateLimitConventions
{
    public static TBuilder WithRateLimit<TBuilder>(this TBuilder builder, RateLimitClass limitClass) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RateLimited(limitClass));
}
