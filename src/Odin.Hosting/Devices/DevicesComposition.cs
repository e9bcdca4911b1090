namespace Odin.Hosting.Devices;

public static class DevicesComposition
{
    public static IServiceCollection AddDevices(this IServiceCollection services) => services.AddSingleton<DeviceStore>();
}
