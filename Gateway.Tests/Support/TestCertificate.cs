using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Tests.Support;

/// <summary>
/// A self-signed certificate for 127.0.0.1 and localhost, made for one test and written to a temporary folder as
/// PEM (certificate and PKCS#8 key) and as PFX: no key is ever committed.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    public const string PfxPassword = "test-pfx-password";

    private TestCertificate(X509Certificate2 certificate, string directory)
    {
        Certificate = certificate;
        Directory = directory;
    }

    public X509Certificate2 Certificate { get; }
    public string Directory { get; }
    public string PemPath => Path.Combine(Directory, "gateway.crt.pem");
    public string KeyPath => Path.Combine(Directory, "gateway.key.pem");
    public string PfxPath => Path.Combine(Directory, "gateway.pfx");

    public static TestCertificate Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=gateway test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server authentication
        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        var directory = System.IO.Directory.CreateTempSubdirectory("gateway-tls-").FullName;
        var made = new TestCertificate(certificate, directory);
        File.WriteAllText(made.PemPath, certificate.ExportCertificatePem());
        File.WriteAllText(made.KeyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllBytes(made.PfxPath, certificate.Export(X509ContentType.Pfx, PfxPassword));
        return made;
    }

    /// <summary>An HTTPS client that trusts this certificate and no other (it is self-signed, so no store knows it).</summary>
    public HttpClient Client(Uri baseAddress) => new(new HttpClientHandler
    {
        ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.RawDataMemory.Span.SequenceEqual(Certificate.RawDataMemory.Span),
    }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose()
    {
        Certificate.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
