using System.Diagnostics;

namespace Odin.Testing;

/// <summary>Runs a program to completion (for set-up commands) and says what it printed when it fails.</summary>
public static class ChildProcess
{
    public static async Task<string> RunAsync(string file, params string[] args)
    {
        var (exit, output) = await RunCapturedAsync(new ProcessStartInfo(file, args), TimeSpan.FromMinutes(5));
        return exit == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {exit}: {output}");
    }

    /// <summary>
    /// Runs a program to its end (given <paramref name="input"/> on its standard input, if any) and returns its exit
    /// code and everything it printed, standard output then standard error. Bounded: a program still running after
    /// <paramref name="timeout"/>, or a background job of its that holds its output open, fails the call.
    /// </summary>
    public static async Task<(int Exit, string Output)> RunCapturedAsync(ProcessStartInfo start, TimeSpan timeout, string? input = null)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = input is not null;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(deadline.Token);
        await Task.WhenAll(output, error).WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await output + await error);
    }

    /// <summary>Starts a long-running server; its output goes to <paramref name="logPath"/>.</summary>
    public static Process Start(string file, string logPath, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Start(start, logPath);
    }

    public static Process Start(ProcessStartInfo start, string logPath)
    {
        var file = start.FileName;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static void Kill(Process? process)
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }
}
