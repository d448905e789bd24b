using System.Net;
using Gateway.Tests.Support;
using Gateway.Web.Hosting;

namespace Gateway.Tests.Web;

/// <summary>HTTPS from Kestrel's own configuration, with a certificate made by the test; HSTS on it (LoginLockoutTests: not on plain HTTP).</summary>
public sealed class HttpsTests
{
    private const string PublicName = "gateway.example";

    public static TheoryData<string> CertificateForms => ["pem", "pfx"];

    [Theory]
    [MemberData(nameof(CertificateForms))]
    public async Task Https_with_a_certificate_from_configuration_answers_and_sends_hsts(string form)
    {
        using var certificate = TestCertificate.Create();
        string[] certificateOptions = form == "pem"
            ? [$"--Kestrel:Endpoints:Https:Certificate:Path={certificate.PemPath}", $"--Kestrel:Endpoints:Https:Certificate:KeyPath={certificate.KeyPath}"]
            : [$"--Kestrel:Endpoints:Https:Certificate:Path={certificate.PfxPath}", $"--Kestrel:Endpoints:Https:Certificate:Password={TestCertificate.PfxPassword}"];
        await using var host = await WebTestHost.StartAsync(GatewayRole.Gateway,
            ["--Kestrel:Endpoints:Https:Url=https://127.0.0.1:0", $"--Gateway:Web:AllowedHosts={PublicName}", .. certificateOptions]);
        Assert.Equal("https", host.BaseAddress.Scheme);
        using var client = certificate.Client(host.BaseAddress);

        var response = await client.GetAsync("api/session");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // ASP.NET Core never sends HSTS for the loopback names (a browser would then refuse http://localhost everywhere).
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));

        using var byName = new HttpRequestMessage(HttpMethod.Get, "api/session") { Headers = { Host = PublicName } };
        var named = await client.SendAsync(byName);
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        Assert.StartsWith("max-age=", string.Join(",", named.Headers.GetValues("Strict-Transport-Security")));
    }
}
