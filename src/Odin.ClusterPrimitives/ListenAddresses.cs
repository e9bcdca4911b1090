using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Odin.ClusterPrimitives;

/// <summary>
/// The listening addresses (<c>--urls</c> / <c>ASPNETCORE_URLS</c>), checked before anything starts: a value that is
/// not a URL, or a port another process holds, stops start-up with one line instead of Kestrel's stack trace after
/// files were created and services started.
/// </summary>
public static class ListenAddresses
{
    private const string Setting = "--urls (ASPNETCORE_URLS)";

    public static void Check(IConfiguration configuration)
    {
        foreach (var url in (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                throw new StartupConfigurationException($"{Setting}: '{url}' is not a URL such as http://127.0.0.1:5000.");
            }

            if (address.Port > 0 && Endpoint(address) is { } endpoint && IsTaken(endpoint))
            {
                throw new StartupConfigurationException($"{Setting}: {url} is already in use by another process.");
            }
        }
    }

    private static IPEndPoint? Endpoint(BindingAddress address) => address.Host switch
    {
        "localhost" => new IPEndPoint(IPAddress.Loopback, address.Port),
        "*" or "+" => new IPEndPoint(IPAddress.Any, address.Port),
        var host when IPAddress.TryParse(host.Trim('[', ']'), out var ip) => new IPEndPoint(ip, address.Port),
        _ => null, // a name Kestrel resolves itself; it reports what it finds
    };

    private static bool IsTaken(IPEndPoint endpoint)
    {
        using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(endpoint);
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
        catch (SocketException)
        {
            return false; // not ours to judge (no such address here, say): Kestrel will say
        }
    }
}
