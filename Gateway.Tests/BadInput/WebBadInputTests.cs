using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.Tests.Web;
using Gateway.Web.Hosting;

namespace Gateway.Tests.BadInput;

/// <summary>
/// BAD-INPUT.md "Receiver and web", the dashboard's JSON bodies: malformed ones are refused with a 4xx before any
/// handler runs (no 5xx, no lock-out counted), one declared above the server's body limit is refused without being
/// read, and the API answers as before afterwards. (Control without login, foreign origins and brute force:
/// RestApiTests, StatusHubTests, SecurityTests, LoginLockoutTests.)
/// </summary>
public sealed class WebBadInputTests(WebHardeningTests.GatewayRoleHost fixture) : IClassFixture<WebHardeningTests.GatewayRoleHost>
{
    /// <summary>The web host's <c>MaxRequestBodySize</c>: 64 KiB, where Kestrel's default is 30 MB.</summary>
    private const long KestrelBodyLimit = GatewayWebApp.MaxRequestBody;

    private WebTestHost Host => fixture.Host;

    private static readonly (string What, byte[] Body, string ContentType, HttpStatusCode Expected)[] MalformedLoginBodies =
    [
        ("cut short", "{\"password\": \"x"u8.ToArray(), "application/json", HttpStatusCode.BadRequest),
        ("not an object", "[]"u8.ToArray(), "application/json", HttpStatusCode.BadRequest),
        ("a number for a string", "{\"password\": 5}"u8.ToArray(), "application/json", HttpStatusCode.BadRequest),
        ("null", "null"u8.ToArray(), "application/json", HttpStatusCode.BadRequest),
        ("empty", [], "application/json", HttpStatusCode.BadRequest),
        ("nested 10,000 deep", Encoding.ASCII.GetBytes(new string('[', 10_000) + new string(']', 10_000)), "application/json", HttpStatusCode.BadRequest),
        ("invalid UTF-8", [.. "{\"password\": \""u8, 0xFF, 0xFE, .. "\"}"u8], "application/json", HttpStatusCode.BadRequest),
        ("not JSON at all", "password=x"u8.ToArray(), "text/plain", HttpStatusCode.UnsupportedMediaType),
    ];

    [Fact]
    public async Task Malformed_login_bodies_are_refused_with_a_4xx_and_count_no_failed_login()
    {
        using var client = Host.Client();

        for (int round = 0; round < 2; round++) // 16 refusals, beyond the lock-out's five failures
        {
            foreach (var (what, body, contentType, expected) in MalformedLoginBodies)
            {
                var content = new ByteArrayContent(body);
                content.Headers.ContentType = new(contentType);
                var response = await client.PostAsync("api/login", content);
                Assert.True(response.StatusCode == expected, $"{what}: {(int)response.StatusCode}");
            }
        }

        var login = await client.PostAsync("api/login", new StringContent($"{{\"password\": \"{WebTestHost.Password}\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode); // not locked out
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"backup\": \"yes\"}")]
    [InlineData("{\"backup\": false, \"priority\": 1e400}")]
    [InlineData("7")]
    public async Task A_malformed_policy_body_from_the_operator_is_refused_with_400(string body)
    {
        using var client = Host.Client(WebTestHost.Password);

        var response = await client.PostAsync("api/bundles/vpn/members/1/policy", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/snapshot")).StatusCode);
    }

    [Fact]
    public async Task A_body_declared_above_the_servers_limit_is_refused_with_413_without_being_sent()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Host.BaseAddress.Port), timeout.Token);
        string head = $"POST /api/login HTTP/1.1\r\nHost: {Host.BaseAddress.Authority}\r\nContent-Type: application/json\r\nContent-Length: {KestrelBodyLimit + 1}\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head), SocketFlags.None, timeout.Token);

        var received = new List<byte>();
        var buffer = new byte[4096];
        while (!Encoding.ASCII.GetString([.. received]).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n == 0)
                break;
            received.AddRange(buffer.AsSpan(0, n));
        }

        string statusLine = Encoding.ASCII.GetString([.. received]).Split("\r\n")[0];
        Assert.Equal("HTTP/1.1 413 Payload Too Large", statusLine);
        using var client = Host.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/snapshot")).StatusCode);
    }
}
