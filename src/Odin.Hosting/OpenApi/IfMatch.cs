namespace Odin.Hosting.OpenApi;

/// <summary>Endpoint metadata: the endpoint reads an <c>If-Match</c> version tag (required, or optional: absent ⇒ create only).</summary>
public sealed record IfMatch(bool Required);

public static class IfMatchConventions
{
    public static TBuilder WithIfMatch<TBuilder>(this TBuilder builder, bool required) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new IfMatch(required));
}
