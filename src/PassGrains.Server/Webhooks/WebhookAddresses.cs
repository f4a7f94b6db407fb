using System.Net;
using System.Net.Sockets;

namespace PassGrains.Server.Webhooks;

/// <summary>A webhook host that resolves to an address webhooks may not reach (see <see cref="WebhookAddresses"/>).</summary>
public sealed class WebhookAddressRefusedException(string host, IPAddress address)
    : Exception($"webhook host '{host}' resolves to {address}, which is not a public address; PassGrains:Webhooks:AllowPrivateNetworks=true lets webhooks reach it")
{
    public string Host { get; } = host;

    public IPAddress Address { get; } = address;
}

/// <summary>
/// Which addresses webhooks may reach, and the connection every delivery goes through. Whoever holds an
/// issuer key chooses the URL, so without these rules a webhook is a way to make the server POST into its
/// own network (server-side request forgery): loopback admin ports, the cloud metadata service at
/// 169.254.169.254, databases on private addresses. The check happens where the socket is opened, on the
/// very address it is opened to, so a name that resolves to a public address when the webhook is stored
/// and to a private one later (DNS rebinding) is caught too.
/// </summary>
public static class WebhookAddresses
{
    private static readonly IPNetwork[] ForbiddenV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"),       // "this network", 0.0.0.0 included: Linux connects it to the local host
        IPNetwork.Parse("10.0.0.0/8"),      // private
        IPNetwork.Parse("100.64.0.0/10"),   // carrier-grade NAT, often the provider's internal network
        IPNetwork.Parse("127.0.0.0/8"),     // loopback
        IPNetwork.Parse("169.254.0.0/16"),  // link-local, the cloud metadata service
        IPNetwork.Parse("172.16.0.0/12"),   // private
        IPNetwork.Parse("192.0.0.0/24"),    // IETF protocol assignments
        IPNetwork.Parse("192.0.2.0/24"),    // documentation (TEST-NET-1): never on the internet, so only ever someone's inside
        IPNetwork.Parse("198.51.100.0/24"), // documentation (TEST-NET-2)
        IPNetwork.Parse("203.0.113.0/24"),  // documentation (TEST-NET-3)
        IPNetwork.Parse("192.168.0.0/16"),  // private
        IPNetwork.Parse("198.18.0.0/15"),   // benchmarking, used inside some clouds' networks
        IPNetwork.Parse("224.0.0.0/4"),     // multicast
        IPNetwork.Parse("240.0.0.0/4"),     // reserved, 255.255.255.255 broadcast included
    ];

    private static readonly IPNetwork[] ForbiddenV6 =
    [
        IPNetwork.Parse("::/96"),           // :: and ::1, and the deprecated IPv4-compatible form
        IPNetwork.Parse("64:ff9b:1::/48"),  // local-use NAT64
        IPNetwork.Parse("2001:db8::/32"),   // documentation
        IPNetwork.Parse("fc00::/7"),        // unique local (private)
        IPNetwork.Parse("fe80::/10"),       // link-local
        IPNetwork.Parse("fec0::/10"),       // site-local (deprecated, still private)
        IPNetwork.Parse("ff00::/8"),        // multicast
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>True for addresses a webhook may not reach unless private networks are allowed.</summary>
    public static bool IsForbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            return IsForbidden(address.MapToIPv4());
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return ForbiddenV4.Any(n => n.Contains(address));
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return true;
        // Translated forms carry an IPv4 address that the network in between will reach: judge that one.
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (Nat64.Contains(address))
            return IsForbidden(new IPAddress(bytes[12..]));
        if (SixToFour.Contains(address))
            return IsForbidden(new IPAddress(bytes[2..6]));
        return ForbiddenV6.Any(n => n.Contains(address));
    }

    /// <summary>The host's addresses, or the host itself when it is an IP literal (brackets of IPv6 literals allowed).</summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(bare, out var literal))
            return [literal];
        return await Dns.GetHostAddressesAsync(bare, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first forbidden one of <paramref name="addresses"/>, unless private networks are allowed.</summary>
    public static IPAddress? FirstForbidden(IEnumerable<IPAddress> addresses, bool allowPrivateNetworks) =>
        allowPrivateNetworks ? null : addresses.FirstOrDefault(IsForbidden);

    /// <summary>
    /// Why a webhook URL's host may not be stored: an IP literal or a name that resolves, now, to an address
    /// webhooks may not reach. A name that does not resolve (yet) is accepted, since a receiver's DNS may be
    /// published after its subscription; every delivery vets the addresses it connects to anyway, so this
    /// check only tells the issuer early.
    /// </summary>
    public static async Task<string?> SubscriptionRefusalAsync(Uri uri, bool allowPrivateNetworks, CancellationToken aborted)
    {
        if (allowPrivateNetworks)
            return null;
        IPAddress[] addresses;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            addresses = await ResolveAsync(uri.IdnHost, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !aborted.IsCancellationRequested)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return $"url host '{uri.Host}' is not a name DNS can resolve";
        }
        return FirstForbidden(addresses, allowPrivateNetworks) is { } forbidden
            ? $"url host '{uri.Host}' resolves to {forbidden}, which is not a public address: webhooks may not reach loopback, private, link-local, "
              + "multicast or reserved networks (an operator can allow them with PassGrains:Webhooks:AllowPrivateNetworks)"
            : null;
    }

    /// <summary>
    /// Resolves the host, refuses it when any of its addresses is forbidden (a name with one private address
    /// is either a mistake or an attempt), and connects to the addresses it vetted, never resolving again.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(endPoint.Host, cancellationToken).ConfigureAwait(false);
        if (FirstForbidden(addresses, allowPrivateNetworks) is { } forbidden)
            throw new WebhookAddressRefusedException(endPoint.Host, forbidden);
        if (addresses.Length == 0)
            throw new SocketException((int)SocketError.HostNotFound);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>
    /// The handler of the webhook HTTP client: connections only through <see cref="ConnectAsync"/>, no redirects
    /// (a 3xx would otherwise lead the POST anywhere, past the check, and counts as a failed delivery), no proxy
    /// (the check would vet the proxy, not the receiver), no cookies shared between receivers.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(WebhookOptions options) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = options.AttemptTimeout,
        // Pooled connections stay on the address they were vetted on; renew them so DNS changes are seen (and vetted).
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, options.AllowPrivateNetworks, cancellationToken),
    };
}
