using System.Diagnostics;

namespace Odin.LoadTest;

/// <summary>A server the benchmark starts as its own process (<c>dotnet X.dll --urls ...</c>) and waits for until it reports ready.</summary>
internal static class ServerProcess
{
    /// <summary>Starts <paramref name="start"/> listening on <paramref name="baseUrl"/>; returns once its <c>/health/ready</c> answers 200.</summary>
    public static async Task<Process> StartAsync(ProcessStartInfo start, string name, string baseUrl)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseUrl);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"[{name}] {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync($"{baseUrl}/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{name} did not become ready");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>kill -9 (the process tree), waiting for it to be gone.</summary>
    public static void Stop(Process? process)
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        process?.Dispose();
    }
}
