namespace Odin.Hosting.Drives;

public static class DrivesComposition
{
    public static IServiceCollection AddDrives(this IServiceCollection services) => services.AddSingleton<DriveStore>();
}
