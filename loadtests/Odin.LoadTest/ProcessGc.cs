using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Odin.LoadTest;

/// <summary>What a .NET process has allocated and collected so far; the difference of two readings is a phase's.</summary>
internal readonly record struct GcCounts(long AllocatedBytes, int Gen0, int Gen1, int Gen2)
{
    public static GcCounts operator -(GcCounts after, GcCounts before) =>
        new(after.AllocatedBytes - before.AllocatedBytes, after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2);
}

/// <summary>
/// Reads a server's <see cref="GcCounts"/> from the probe (loadtests/Odin.GcProbe) that <see cref="Attach"/> loads into
/// it as a startup hook. Every server the benchmarks start gets it alike, Odin and the baselines.
/// </summary>
internal sealed class ProcessGc : IDisposable
{
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"odin-gc-{Guid.NewGuid():N}.sock");

    /// <summary>Loads the probe into the process <paramref name="start"/> starts.</summary>
    public void Attach(ProcessStartInfo start)
    {
        start.Environment["DOTNET_STARTUP_HOOKS"] = Path.Combine(AppContext.BaseDirectory, "Odin.GcProbe.dll");
        start.Environment["ODIN_GC_PROBE"] = _socket;
    }

    public GcCounts Read()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(_socket));
        var buffer = new byte[128];
        var length = 0;
        for (int read; (read = socket.Receive(buffer.AsSpan(length))) > 0; )
        {
            length += read;
        }

        var fields = Encoding.ASCII.GetString(buffer, 0, length).Split(' ', StringSplitOptions.TrimEntries);
        return new GcCounts(
            long.Parse(fields[0], CultureInfo.InvariantCulture), int.Parse(fields[1], CultureInfo.InvariantCulture),
            int.Parse(fields[2], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture));
    }

    public void Dispose() => File.Delete(_socket);
}
