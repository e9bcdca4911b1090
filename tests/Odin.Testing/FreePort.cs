using System.Net;
using System.Net.Sockets;

namespace Odin.Testing;

public static class FreePort
{
    /// <summary>A loopback port the OS just said was free. Servers that cannot take port 0 are started on it.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
