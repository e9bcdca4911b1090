namespace Odin.Hosting.Tenants;

/// <summary>An identity: addressed by its domain, owns drives and devices.</summary>
public sealed record Tenant
{
    public Guid Id { get; init; }

    public string Domain { get; init; } = "";

    public bool Disabled { get; init; }
}
