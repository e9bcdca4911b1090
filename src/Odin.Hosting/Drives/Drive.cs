namespace Odin.Hosting.Drives;

public sealed record Drive
{
    public Guid Id { get; init; }

    public string Alias { get; init; } = "";

    public string Name { get; init; } = "";
}
