using Odin.ClusterPrimitives;

namespace Odin.Hosting;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        WebApplication app;
        try
        {
            app = OdinHostingApp.Build(args, OdinHostingApp.DrainOnSignals);
            await OdinHostingApp.StartAsync(app);
        }
        catch (Exception ex) when (StartupErrors.Describe(ex) is { } line)
        {
            await Console.Error.WriteLineAsync($"odin: {line}");
            return 1;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"odin: start-up failed: {ex.GetType().Name}: {ex.Message} (check Odin__Database__ConnectionString and the data folder)");
            return 1;
        }

        await app.WaitForShutdownAsync();
        await app.DisposeAsync();
        return 0;
    }
}
