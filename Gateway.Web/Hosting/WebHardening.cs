using Gateway.Web.Security;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.HttpOverrides;

namespace Gateway.Web.Hosting;

/// <summary>
/// The web host's hardening, from ASP.NET Core's own pieces: forwarded headers from trusted proxies only, allowed
/// <c>Host</c> names, HSTS on HTTPS, and the security headers. HTTPS itself is Kestrel's configuration
/// (<c>Kestrel:Endpoints:Https:Url</c> and <c>:Certificate:Path</c>/<c>KeyPath</c>/<c>Password</c>, PEM or PFX).
/// </summary>
public static class WebHardening
{
    public static void AddWebHardening(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var proxies = TrustedProxies.Parse(ConfigurationList(configuration, TrustedProxies.Key));
        builder.Services.AddSingleton(proxies);
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only the configured proxies, not ASP.NET Core's default of loopback; and through a chain of them,
            // as far as the first address that is not one (ForwardLimit would stop after one hop).
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var network in proxies.Networks)
                o.KnownIPNetworks.Add(network);
            o.ForwardLimit = null;
        });
        // ASP.NET Core's host filtering is already in every WebApplication's pipeline, reading AllowedHosts ('*' when
        // unset); these defaults take the place of '*'. Read at each configuration reload.
        builder.Services.Configure<HostFilteringOptions>(o => o.AllowedHosts = AllowedHosts.From(
            ConfigurationList(configuration, AllowedHosts.StandardKey),
            ConfigurationList(configuration, AllowedHosts.ExtraKey),
            ListenUrls(configuration)));
    }

    /// <summary>First in the pipeline: the client's address and scheme must be known before anything reads them.</summary>
    public static void UseWebHardening(this WebApplication app)
    {
        // The middleware believes any sender when it knows no proxy, so it runs only when some are configured.
        if (app.Services.GetRequiredService<TrustedProxies>().Any)
            app.UseForwardedHeaders();
        app.UseHsts(); // on HTTPS answers only, and never for the loopback names (HstsOptions.ExcludedHosts)
        app.UseSecurityHeaders();
    }

    /// <summary>A list in configuration: <c>KEY=a;b</c> (an environment variable, the command line) or <c>KEY:0</c>, <c>KEY:1</c>, ...</summary>
    internal static string[] ConfigurationList(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        return new[] { section.Value }.Concat(section.GetChildren().Select(c => c.Value))
            .SelectMany(v => (v ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToArray();
    }

    /// <summary>Where Kestrel is told to listen: <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>) and its endpoints.</summary>
    private static IEnumerable<string> ListenUrls(IConfiguration configuration)
    {
        var urls = ConfigurationList(configuration, WebHostDefaults.ServerUrlsKey);
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => e["Url"]).OfType<string>();
        var ports = configuration[WebHostDefaults.HttpPortsKey] is { Length: > 0 } || configuration[WebHostDefaults.HttpsPortsKey] is { Length: > 0 }
            ? ["http://*"] : Array.Empty<string>();
        return urls.Concat(endpoints).Concat(ports);
    }
}
