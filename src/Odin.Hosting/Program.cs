using Microsoft.Extensions.Options;
using Odin.Shared;

namespace Odin.Hosting;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        WebApplication app;
        try
        {
            app = OdinHostingApp.Build(args);
            await app.StartAsync();
        }
        catch (Exception ex) when (ex is StartupConfigurationException or OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"odin: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException)
        {
            await Console.Error.WriteLineAsync($"odin: start-up failed: {ex.GetType().Name}: {ex.Message} (check Odin__Database__ConnectionString)");
            return 1;
        }

        await app.WaitForShutdownAsync();
        await app.DisposeAsync();
        return 0;
    }
}
