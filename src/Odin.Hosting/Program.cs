using Odin.ClusterPrimitives;
using Odin.Gateway.Connections;
using Odin.Hosting.Notifications;
using Odin.Hosting.Storage;

namespace Odin.Hosting;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        FanOutBuffers.Size(); // a single node hosts the device hub itself
        if (args is [AfterRestoreCommand.Name, .. var arguments])
        {
            return await AfterRestoreAsync(arguments);
        }

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

    /// <summary>The <see cref="AfterRestoreCommand"/>, configured as an instance is (the same variables and secret files).</summary>
    private static async Task<int> AfterRestoreAsync(string[] arguments)
    {
        if (AfterRestoreCommand.ParseGap(arguments, out var usage) is not { } gap)
        {
            await Console.Error.WriteLineAsync($"odin: {usage}");
            return 2;
        }

        try
        {
            await using var app = OdinHostingApp.Build([]);
            var moved = await AfterRestoreCommand.RunAsync(app.Services.GetRequiredService<IDatabase>(), gap);
            Console.WriteLine($"odin: moved the seq of {moved} identities on by {gap}; the instances may start.");
            return 0;
        }
        catch (Exception ex) when (StartupErrors.Describe(ex) is { } line)
        {
            await Console.Error.WriteLineAsync($"odin: {line}");
            return 1;
        }
        catch (System.Data.Common.DbException ex)
        {
            await Console.Error.WriteLineAsync($"odin: {AfterRestoreCommand.Name} failed: {ex.Message} (check Odin__Database__ConnectionString)");
            return 1;
        }
    }
}
