using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Scheduling.Web.Api;
using Scheduling.Web.Engine;
using Scheduling.Web.Tests.Infrastructure;

namespace Scheduling.Web.Tests.Engine;

/// <summary>The SSRF guard's table of addresses, its URL check at save time, and the connect-time check of the "webhooks" handler.</summary>
public class WebhookTargetPolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, TargetKind> Addresses => new()
    {
        // Public unicast.
        { "93.184.215.14", TargetKind.Public },
        { "8.8.8.8", TargetKind.Public },
        { "2606:2800:21f:cb07:6820:80da:af6b:8b2c", TargetKind.Public },
        { "2a00:1450:4007:80e::200e", TargetKind.Public },
        { "::ffff:8.8.8.8", TargetKind.Public },
        { "64:ff9b::808:808", TargetKind.Public },
        { "2002:808:808::1", TargetKind.Public },
        // Loopback and private networks: refused unless Execution:AllowPrivateNetworkTargets.
        { "127.0.0.1", TargetKind.Private },
        { "127.255.255.254", TargetKind.Private },
        { "10.1.2.3", TargetKind.Private },
        { "172.16.0.1", TargetKind.Private },
        { "172.31.255.255", TargetKind.Private },
        { "192.168.1.1", TargetKind.Private },
        { "100.64.0.1", TargetKind.Private },
        { "100.127.255.254", TargetKind.Private },
        { "::1", TargetKind.Private },
        { "fc00::1", TargetKind.Private },
        { "fd12:3456:789a::1", TargetKind.Private },
        { "fec0::1", TargetKind.Private },
        { "::ffff:127.0.0.1", TargetKind.Private },
        { "::ffff:10.0.0.1", TargetKind.Private },
        { "64:ff9b::7f00:1", TargetKind.Private },
        { "64:ff9b::a00:1", TargetKind.Private },
        { "64:ff9b:1::a00:1", TargetKind.Private },
        { "2002:7f00:1::1", TargetKind.Private },
        { "2002:c0a8:101::1", TargetKind.Private },
        // Teredo whose (inverted) client address is 127.0.0.1.
        { "2001:0:4136:e378:8000:63bf:80ff:fffe", TargetKind.Private },
        // Special-purpose ranges: always refused.
        { "0.0.0.0", TargetKind.Reserved },
        { "0.1.2.3", TargetKind.Reserved },
        { "169.254.169.254", TargetKind.Reserved },
        { "192.0.0.8", TargetKind.Reserved },
        { "192.0.2.10", TargetKind.Reserved },
        { "198.18.0.1", TargetKind.Reserved },
        { "198.19.255.255", TargetKind.Reserved },
        { "198.51.100.7", TargetKind.Reserved },
        { "203.0.113.99", TargetKind.Reserved },
        { "224.0.0.1", TargetKind.Reserved },
        { "239.255.255.250", TargetKind.Reserved },
        { "240.0.0.1", TargetKind.Reserved },
        { "255.255.255.255", TargetKind.Reserved },
        { "::", TargetKind.Reserved },
        { "::127.0.0.1", TargetKind.Reserved },
        { "fe80::1", TargetKind.Reserved },
        { "febf::1", TargetKind.Reserved },
        { "ff02::1", TargetKind.Reserved },
        { "ff05::1:3", TargetKind.Reserved },
        { "2001:db8::1", TargetKind.Reserved },
        { "100::1", TargetKind.Reserved },
        { "::ffff:169.254.169.254", TargetKind.Reserved },
        { "::ffff:0.0.0.0", TargetKind.Reserved },
        { "64:ff9b::a9fe:a9fe", TargetKind.Reserved },
        { "2002:a9fe:a9fe::1", TargetKind.Reserved },
        { "2002:c000:210::1", TargetKind.Reserved },
        { "4000::1", TargetKind.Reserved },
    };

    [Theory]
    [MemberData(nameof(Addresses))]
    public void Classify_Address_IsItsKind(string address, TargetKind expected)
    {
        Assert.Equal(expected, WebhookTargetPolicy.Classify(IPAddress.Parse(address)));
    }

    [Theory]
    [MemberData(nameof(Addresses))]
    public void Allows_FollowsTheKindAndTheOptOut(string address, TargetKind kind)
    {
        var ip = IPAddress.Parse(address);

        Assert.Equal(kind == TargetKind.Public, Policy(allowPrivate: false).Allows(ip));
        Assert.Equal(kind != TargetKind.Reserved, Policy(allowPrivate: true).Allows(ip));
    }

    [Fact]
    public void OwnInterfaceAddresses_AreNeverPublic()
    {
        var own = NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(u => u.Address).ToList();
        Assert.NotEmpty(own);

        foreach (var address in own)
        {
            Assert.NotEqual(TargetKind.Public, WebhookTargetPolicy.Classify(address, WebhookTargetPolicy.OwnAddresses()));
            Assert.False(Policy(allowPrivate: false).Allows(address), $"{address} is this host's own");
        }
    }

    [Fact]
    public void Classify_PublicAddressOfThisHost_IsPrivate()
    {
        var publicAddress = IPAddress.Parse("93.184.215.14");

        Assert.Equal(TargetKind.Private, WebhookTargetPolicy.Classify(publicAddress, new HashSet<IPAddress> { publicAddress }));
        Assert.Equal(TargetKind.Private, WebhookTargetPolicy.Classify(publicAddress.MapToIPv6(), new HashSet<IPAddress> { publicAddress }));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://0x7f000001/hook")]
    [InlineData("http://2130706433/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://192.0.2.1/hook")]
    [InlineData("https://user:secret@hooks.example.com/hook")]
    [InlineData("ftp://hooks.example.com/hook")]
    public async Task EnsureDeliverable_RefusedUrl_Is400NamingTheField(string url)
    {
        var refused = await Assert.ThrowsAsync<RequestValidationException>(() => Policy(allowPrivate: false).EnsureDeliverableAsync(new Uri(url), "url", Ct));

        Assert.Equal(["url"], refused.Errors.Keys);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://10.0.0.5/hook")]
    [InlineData("https://hooks.example.com/hook")]
    public async Task EnsureDeliverable_WithTheOptOut_AcceptsLoopbackAndPrivate(string url)
    {
        await Policy(allowPrivate: true).EnsureDeliverableAsync(new Uri(url), "url", Ct);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[ff02::1]/hook")]
    [InlineData("http://0.0.0.0/hook")]
    public async Task EnsureDeliverable_WithTheOptOut_StillRefusesReserved(string url)
    {
        await Assert.ThrowsAsync<RequestValidationException>(() => Policy(allowPrivate: true).EnsureDeliverableAsync(new Uri(url), "url", Ct));
    }

    [Fact]
    public async Task ConnectCallback_LoopbackReceiver_RefusedUnlessAllowed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();

        using (var refused = new HttpClient(WebhookDelivery.CreateHandler(Monitor(allowPrivate: false))))
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => refused.PostAsync(receiver.Url("guarded"), new StringContent("{}"), Ct));
            Assert.IsType<PrivateTargetException>(error.InnerException);
            Assert.Empty(receiver.Received);
        }

        using var allowed = new HttpClient(WebhookDelivery.CreateHandler(Monitor(allowPrivate: true)));
        var response = await allowed.PostAsync(receiver.Url("guarded"), new StringContent("{}"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(receiver.On("guarded"));
    }

    private static WebhookTargetPolicy Policy(bool allowPrivate) => new(Monitor(allowPrivate));

    private static IOptionsMonitor<ExecutionOptions> Monitor(bool allowPrivate) => new FixedOptions(new ExecutionOptions { AllowPrivateNetworkTargets = allowPrivate });

    private sealed class FixedOptions(ExecutionOptions value) : IOptionsMonitor<ExecutionOptions>
    {
        public ExecutionOptions CurrentValue => value;
        public ExecutionOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<ExecutionOptions, string?> listener) => null;
    }
}
