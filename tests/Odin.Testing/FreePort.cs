using System.Net;
using System.Net.Sockets;

namespace Odin.Testing;

public static class FreePort
{
    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A loopback port that is free now and stays free for the server about to take it. It is chosen below the
    /// kernel's ephemeral range: a port the OS hands out for port 0 comes from that range, the same one it gives every
    /// outgoing connection, so under load (hundreds of device connections) another socket could take it between this
    /// answer and the server's bind. This process never hands out one port twice.
    /// </summary>
    public static int Next()
    {
        var below = EphemeralRangeStart();
        lock (Given)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(10_000, below);
                if (!Given.Contains(port) && CanBind(port))
                {
                    Given.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free loopback port between 10000 and {below}.");
    }

    private static bool CanBind(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of <c>net.ipv4.ip_local_port_range</c> (32768 on Linux by default).</summary>
    private static int EphemeralRangeStart()
    {
        const string Range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(Range) && int.TryParse(File.ReadAllText(Range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var start) && start > 11_000
            ? start
            : 32_768;
    }
}
