namespace Odin.Contracts;

public static class HubPaths
{
    /// <summary>Where the device hub is mapped, on the Gateway and (single node) inside Odin.Hosting.</summary>
    public const string Device = "/hubs/device";
}
