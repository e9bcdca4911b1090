using System.Net.Sockets;
using System.Text;

namespace Odin.Testing;

/// <summary>
/// HTTP/1.1 written by hand on a socket, for attacks a well-behaved client refuses to send (a Host
/// header of 15 000 labels, a header trickled byte by byte).
/// </summary>
public static class RawHttp
{
    /// <summary>Sends one request with the given headers and returns the status code of the answer (0 when the server closed first).</summary>
    public static async Task<(int Status, string Response)> SendAsync(Uri server, string method, string path, IEnumerable<(string Name, string Value)> headers, CancellationToken cancellationToken = default)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, cancellationToken);
        await using var stream = client.GetStream();
        var request = new StringBuilder($"{method} {path} HTTP/1.1\r\n");
        foreach (var (name, value) in headers)
        {
            request.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        request.Append("Connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync(cancellationToken);
        var parts = response.Split(' ', 3);
        return (parts.Length > 1 && int.TryParse(parts[1], out var status) ? status : 0, response);
    }

    /// <summary>A GET with this Host header and nothing else.</summary>
    public static Task<(int Status, string Response)> GetAsync(Uri server, string path, string host, CancellationToken cancellationToken = default) =>
        SendAsync(server, "GET", path, [("Host", host)], cancellationToken);
}
