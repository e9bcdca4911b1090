using System.Net;
using System.Net.Sockets;
using Odin.Hosting.Common;

namespace Odin.Hosting.Peer;

/// <summary>
/// Which addresses a peer call may connect to. Peer domains come from anyone (an owner's recipient, an
/// anonymous inbox's sender), so a call must never reach this server's own network: loopback, private,
/// link-local, CGNAT, multicast, unspecified, reserved and documentation ranges, IPv6 unique-local and
/// link-local, NAT64, and the IPv4-mapped forms of all of them are refused unless
/// <see cref="PeerOptions.AllowedNetworks"/> names them (tests, and a <see cref="PeerOptions.ResolveTo"/>
/// on the local network).
/// </summary>
public sealed class PeerAddressPolicy(IReadOnlyList<IPNetwork> allowed)
{
    private static readonly IPNetwork[] NotPublic =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
            "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32", "2002::/16",
            "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
        }.Select(IPNetwork.Parse),
    ];

    public static PeerAddressPolicy From(PeerOptions options) => new(NetworkList.Parse(options.AllowedNetworks));

    public bool Allows(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return allowed.Any(n => n.Contains(address)) || !NotPublic.Any(n => n.Contains(address));
    }

    /// <summary>
    /// Opens the connection of a peer call: resolves the host, keeps only the addresses allowed, connects to
    /// the first that answers. Checked here, after DNS, so no name (or DNS answer changed since) gets around it.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        var permitted = addresses.Where(Allows).ToArray();
        if (permitted.Length == 0)
        {
            throw new PeerAddressRefusedException(endpoint.Host, addresses);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(permitted, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A peer host resolved only to addresses peer calls may not reach.</summary>
public sealed class PeerAddressRefusedException(string host, IReadOnlyList<IPAddress> addresses)
    : IOException($"peer host '{host}' resolves to {(addresses.Count == 0 ? "no address" : string.Join(", ", addresses))}, which peer calls may not reach (Odin:Peer:AllowedNetworks)");
