using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Scheduling.Web.Api;

namespace Scheduling.Web.Engine;

/// <summary>What an address is to the SSRF guard.</summary>
public enum TargetKind
{
    /// <summary>A public unicast address: webhooks go there.</summary>
    Public,

    /// <summary>Loopback, private networks and this host's own addresses: only with <see cref="ExecutionOptions.AllowPrivateNetworkTargets"/>.</summary>
    Private,

    /// <summary>Never a webhook target: unspecified, link-local (cloud metadata), documentation, benchmarking, reserved, multicast, broadcast.</summary>
    Reserved,
}

/// <summary>
/// Which addresses webhooks may reach (design.md §7: no SSRF). The same rule is applied when a URL is saved (so a bad one
/// is a 400, not a failure at run time) and on the address actually connected (the "webhooks" client's
/// ConnectCallback, so a DNS answer that changed since cannot sneak one in).
/// </summary>
public sealed class WebhookTargetPolicy(IOptionsMonitor<ExecutionOptions> options)
{
    /// <summary>How long saving a URL waits for its host name to resolve; past that, the connect-time check decides.</summary>
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(3);

    private static volatile IReadOnlySet<IPAddress>? _ownAddresses;

    static WebhookTargetPolicy()
    {
        try
        {
            NetworkChange.NetworkAddressChanged += (_, _) => _ownAddresses = null;
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or NetworkInformationException)
        {
            // Without change notifications the set is read once; interfaces of a server rarely change.
        }
    }

    public bool AllowPrivate => options.CurrentValue.AllowPrivateNetworkTargets;

    public bool Allows(IPAddress address) => Classify(address, OwnAddresses()) switch
    {
        TargetKind.Public => true,
        TargetKind.Private => AllowPrivate,
        _ => false,
    };

    /// <summary>Why a webhook would not be delivered to this address, or null when it would.</summary>
    public string? RefusalOf(IPAddress address) => Classify(address, OwnAddresses()) switch
    {
        TargetKind.Public => null,
        TargetKind.Private when AllowPrivate => null,
        TargetKind.Private => $"{address} is a loopback, private or own address of this server (Execution:AllowPrivateNetworkTargets is off).",
        _ => $"{address} is a reserved or special-purpose address (unspecified, link-local, documentation, multicast ...).",
    };

    /// <summary>
    /// A 400 naming <paramref name="field"/> when this instance would refuse to deliver to <paramref name="url"/> (an
    /// absolute http(s) URL, checked before): credentials in it, a refused literal address, or a host name whose every
    /// address is refused. A name that does not resolve now passes: the connect-time check still applies.
    /// </summary>
    public async Task EnsureDeliverableAsync(Uri url, string field, CancellationToken cancellationToken)
    {
        if (url.Scheme is not ("http" or "https"))
        {
            throw new RequestValidationException(field, "The URL must be an absolute http(s) URL.");
        }
        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            throw new RequestValidationException(field, "The URL must not carry credentials (user:password@): check the X-Signature-256 header in the receiver instead.");
        }
        var host = url.DnsSafeHost;
        if (IPAddress.TryParse(host, out var literal))
        {
            if (RefusalOf(literal) is { } refusal)
            {
                throw new RequestValidationException(field, $"Webhooks are not delivered there: {refusal}");
            }
            return;
        }
        IPAddress[] addresses;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return;
        }
        if (addresses.Length > 0 && !addresses.Any(Allows))
        {
            throw new RequestValidationException(field, $"Webhooks are not delivered there: {host} resolves to {RefusalOf(addresses[0])}");
        }
    }

    /// <summary>
    /// The kind of <paramref name="address"/> (IPv6 forms that embed an IPv4 address take its kind);
    /// <paramref name="ownAddresses"/> are this host's interface addresses, which count as loopback.
    /// </summary>
    public static TargetKind Classify(IPAddress address, IReadOnlySet<IPAddress>? ownAddresses = null)
    {
        var kind = address.AddressFamily switch
        {
            AddressFamily.InterNetwork => ClassifyV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => ClassifyV6(address.GetAddressBytes()),
            _ => TargetKind.Reserved,
        };
        return kind == TargetKind.Public && ownAddresses is not null && ownAddresses.Contains(Normalize(address)) ? TargetKind.Private : kind;
    }

    private static TargetKind ClassifyV4(ReadOnlySpan<byte> b) => (b[0], b[1], b[2]) switch
    {
        (127, _, _) or (10, _, _) => TargetKind.Private,
        (172, >= 16 and <= 31, _) or (192, 168, _) => TargetKind.Private,
        // Shared address space (carrier-grade NAT, also overlay networks such as Tailscale): private to a site.
        (100, >= 64 and <= 127, _) => TargetKind.Private,
        (0, _, _) => TargetKind.Reserved,
        // Link-local: 169.254.169.254 is the metadata service of every cloud.
        (169, 254, _) => TargetKind.Reserved,
        (192, 0, 0) or (192, 0, 2) or (192, 88, 99) => TargetKind.Reserved,
        (198, 18 or 19, _) or (198, 51, 100) or (203, 0, 113) => TargetKind.Reserved,
        // Multicast 224/4, reserved 240/4 and the broadcast address 255.255.255.255.
        ( >= 224, _, _) => TargetKind.Reserved,
        _ => TargetKind.Public,
    };

    private static TargetKind ClassifyV6(byte[] b)
    {
        if (b.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0)
        {
            if (b[10] == 0xff && b[11] == 0xff)
            {
                return ClassifyV4(b.AsSpan(12, 4));
            }
            if (b[10] == 0 && b[11] == 0)
            {
                // ::1 is loopback; :: and the deprecated IPv4-compatible ::a.b.c.d are not addresses to connect to.
                return b.AsSpan(12, 3).IndexOfAnyExcept((byte)0) < 0 && b[15] == 1 ? TargetKind.Private : TargetKind.Reserved;
            }
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
        {
            // NAT64: the well-known prefix 64:ff9b::/96 embeds the IPv4 address in its last 32 bits; the local-use
            // 64:ff9b:1::/48 places it by the operator's prefix length, so it is a private network as a whole.
            if (b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
            {
                return ClassifyV4(b.AsSpan(12, 4));
            }
            return b[4] == 0x00 && b[5] == 0x01 ? TargetKind.Private : TargetKind.Reserved;
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            // 6to4: 2002:AABB:CCDD::/48 carries the IPv4 address AA.BB.CC.DD.
            return ClassifyV4(b.AsSpan(2, 4));
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
        {
            // Teredo: the client's IPv4 address is the last 32 bits inverted.
            return ClassifyV4([(byte)~b[12], (byte)~b[13], (byte)~b[14], (byte)~b[15]]);
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
        {
            return TargetKind.Reserved; // documentation 2001:db8::/32
        }
        if (b[0] == 0x01 && b[1] == 0x00 && b.AsSpan(2, 6).IndexOfAnyExcept((byte)0) < 0)
        {
            return TargetKind.Reserved; // discard-only 100::/64
        }
        if ((b[0] & 0xfe) == 0xfc)
        {
            return TargetKind.Private; // unique local fc00::/7
        }
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
        {
            return TargetKind.Private; // deprecated site-local fec0::/10
        }
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        {
            return TargetKind.Reserved; // link-local fe80::/10
        }
        if (b[0] == 0xff)
        {
            return TargetKind.Reserved; // multicast ff00::/8
        }
        // Outside 2000::/3 nothing is allocated for global unicast.
        return (b[0] & 0xe0) == 0x20 ? TargetKind.Public : TargetKind.Reserved;
    }

    /// <summary>This host's interface addresses and the broadcast addresses of its IPv4 subnets (read once, again after a network change).</summary>
    public static IReadOnlySet<IPAddress> OwnAddresses()
    {
        if (_ownAddresses is { } known)
        {
            return known;
        }
        var set = new HashSet<IPAddress>();
        try
        {
            foreach (var unicast in NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses))
            {
                set.Add(Normalize(unicast.Address));
                if (unicast.Address.AddressFamily == AddressFamily.InterNetwork && unicast.IPv4Mask is { } mask && !mask.Equals(IPAddress.Any))
                {
                    var address = unicast.Address.GetAddressBytes();
                    var bits = mask.GetAddressBytes();
                    set.Add(new IPAddress([.. address.Select((a, i) => (byte)(a | ~bits[i]))]));
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Interfaces unreadable: the ranges above still apply.
        }
        _ownAddresses = set;
        return set;
    }

    // Without its IPv6 scope id, and IPv4-mapped as IPv4, so that set lookups compare addresses only.
    private static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address.AddressFamily == AddressFamily.InterNetworkV6 ? new IPAddress(address.GetAddressBytes()) : address;
}
