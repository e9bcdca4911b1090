using System.Globalization;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// Loaded before a server's Main by <c>DOTNET_STARTUP_HOOKS</c> (the runtime finds it by this name, outside any
/// namespace). When <c>ODIN_GC_PROBE</c> names a path, it answers each connection to a Unix socket there with one line:
/// the bytes the process has allocated so far and its collections of generations 0, 1 and 2, space-separated. The
/// driver reads it at the edges of a phase: the differences are what the phase allocated and collected, exactly, which
/// sampled counters (dotnet-counters) only give to the nearest interval.
/// </summary>
internal static class StartupHook
{
    public const string PathVariable = "ODIN_GC_PROBE";

    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is not { Length: > 0 } path)
        {
            return;
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        File.Delete(path);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(backlog: 4);
        // A thread of its own, blocked in accept: nothing on the server's thread pool, no timer.
        new Thread(() => Answer(listener)) { IsBackground = true, Name = "odin-gc-probe" }.Start();
    }

    private static void Answer(Socket listener)
    {
        while (true)
        {
            using var reader = listener.Accept();
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{GC.GetTotalAllocatedBytes(precise: true)} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)}\n");
            try
            {
                reader.Send(Encoding.ASCII.GetBytes(line));
            }
            catch (SocketException)
            {
                // The reader left before its answer: an exception escaping this thread would end the server under test.
            }
        }
    }
}
