namespace Odin.ClusterPrimitives.Observability;

public static class HealthTags
{
    /// <summary>Checks with this tag decide <c>/health/ready</c>, which load balancers route by.</summary>
    public const string Ready = "ready";
}
