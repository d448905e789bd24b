using System.Net;
using Gateway.Web.Hosting;
using Gateway.Web.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Web;

public sealed class SecurityTests
{
    [Fact]
    public void A_password_hash_verifies_its_password_only()
    {
        var hash = PasswordHash.Create("correct horse", iterations: 1000);
        Assert.StartsWith("pbkdf2-sha256$1000$", hash);
        Assert.True(PasswordHash.Verify("correct horse", hash));
        Assert.False(PasswordHash.Verify("correct horse ", hash));
        Assert.NotEqual(hash, PasswordHash.Create("correct horse", iterations: 1000)); // salted
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("pbkdf2-sha256$x$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$1000$not base64!$AAAA")]
    [InlineData("md5$1000$AAAA$AAAA")]
    public void A_malformed_hash_verifies_nothing(string hash) => Assert.False(PasswordHash.Verify("anything", hash));

    [Fact]
    public void A_malformed_configured_hash_stops_start_up_with_a_message()
    {
        var error = Assert.Throws<Gateway.Web.Hosting.GatewayConfigurationException>(() => OperatorCredentials.From("plain-text", null, generateWhenMissing: true));
        Assert.Contains(OperatorCredentials.HashKey, error.Message);
    }

    [Fact]
    public void The_demo_generates_a_fresh_password_when_none_is_configured()
    {
        var first = OperatorCredentials.From(null, null, generateWhenMissing: true);
        var second = OperatorCredentials.From(null, null, generateWhenMissing: true);
        Assert.Equal(OperatorPasswordSource.Generated, first.Source);
        Assert.NotEqual(first.GeneratedPassword, second.GeneratedPassword);
        Assert.True(first.GeneratedPassword!.Length >= 16);
        Assert.True(first.Check("operator", first.GeneratedPassword));
        Assert.False(first.Check("operator", second.GeneratedPassword!));
        Assert.DoesNotContain(first.GeneratedPassword, first.ToString());
    }

    [Fact]
    public void Without_a_password_outside_the_demo_nobody_is_the_operator()
    {
        var none = OperatorCredentials.From(null, null, generateWhenMissing: false);
        Assert.Equal(OperatorPasswordSource.None, none.Source);
        Assert.False(none.Check("operator", ""));
    }

    [Fact]
    public void A_configured_hash_wins_over_the_environment_and_only_user_operator_logs_in()
    {
        var credentials = OperatorCredentials.From(PasswordHash.Create("from-config", 1000), "from-env", generateWhenMissing: true);
        Assert.Equal(OperatorPasswordSource.ConfiguredHash, credentials.Source);
        Assert.True(credentials.Check("operator", "from-config"));
        Assert.True(credentials.Check("operator", "from-config")); // the remembered digest
        Assert.False(credentials.Check("operator", "from-env"));
        Assert.False(credentials.Check("admin", "from-config"));
    }

    [Fact]
    public void The_throttle_blocks_an_address_after_five_failures_until_the_window_passes()
    {
        var clock = new FakeTimeProvider();
        var throttle = new LoginThrottle(clock);
        var attacker = IPAddress.Parse("127.0.0.2");
        var other = IPAddress.Parse("127.0.0.3");

        for (var i = 0; i < LoginThrottle.MaxFailures - 1; i++)
            throttle.RecordFailure(attacker);
        Assert.False(throttle.IsBlocked(attacker));
        throttle.RecordFailure(attacker);
        Assert.True(throttle.IsBlocked(attacker));
        Assert.False(throttle.IsBlocked(other));

        clock.Advance(LoginThrottle.Window - TimeSpan.FromSeconds(1));
        Assert.True(throttle.IsBlocked(attacker));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(throttle.IsBlocked(attacker));
    }

    [Fact]
    public void A_success_clears_the_failures()
    {
        var throttle = new LoginThrottle(new FakeTimeProvider());
        var address = IPAddress.Loopback;
        for (var i = 0; i < LoginThrottle.MaxFailures - 1; i++)
            throttle.RecordFailure(address);
        throttle.RecordSuccess(address);
        throttle.RecordFailure(address);
        Assert.False(throttle.IsBlocked(address));
    }

    [Fact]
    public void A_blocked_address_is_told_how_long_to_wait_in_whole_seconds_rounded_up()
    {
        var clock = new FakeTimeProvider();
        var throttle = new LoginThrottle(clock);
        var address = IPAddress.Parse("192.0.2.9");
        Assert.False(throttle.IsBlocked(address, out var none));
        Assert.Equal(TimeSpan.Zero, none);
        for (var i = 0; i < LoginThrottle.MaxFailures; i++)
            throttle.RecordFailure(address);

        clock.Advance(TimeSpan.FromSeconds(20.5));
        Assert.True(throttle.IsBlocked(address, out var wait));
        Assert.Equal(LoginThrottle.Window - TimeSpan.FromSeconds(20.5), wait);
        var response = new DefaultHttpContext().Response;
        LoginThrottle.Refuse(response, wait);
        Assert.Equal(StatusCodes.Status429TooManyRequests, response.StatusCode);
        Assert.Equal("40", response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public void A_new_configured_hash_replaces_the_password_and_its_fingerprint()
    {
        var credentials = OperatorCredentials.From(PasswordHash.Create("old", 1000), null, generateWhenMissing: false);
        var before = credentials.Fingerprint;
        var newHash = PasswordHash.Create("new", 1000);

        Assert.True(credentials.Reload(newHash));
        Assert.False(credentials.Reload(newHash)); // the same hash again changes nothing
        Assert.NotEqual(before, credentials.Fingerprint);
        Assert.False(credentials.Check("operator", "old"));
        Assert.True(credentials.Check("operator", "new"));
    }

    [Fact]
    public void A_malformed_hash_at_reload_is_refused_and_the_password_stays()
    {
        var credentials = OperatorCredentials.From(PasswordHash.Create("kept", 1000), null, generateWhenMissing: false);
        var before = credentials.Fingerprint;
        Assert.Throws<GatewayConfigurationException>(() => credentials.Reload("plain-text"));
        Assert.Equal(before, credentials.Fingerprint);
        Assert.True(credentials.Check("operator", "kept"));
    }

    [Fact]
    public void Without_the_configured_hash_the_environment_password_applies_again()
    {
        var credentials = OperatorCredentials.From(PasswordHash.Create("configured", 1000), "from-env", generateWhenMissing: false);
        Assert.True(credentials.Reload(null));
        Assert.Equal(OperatorPasswordSource.Environment, credentials.Source);
        Assert.True(credentials.Check("operator", "from-env"));
        Assert.False(credentials.Check("operator", "configured"));
    }

    [Fact]
    public void Trusted_proxies_are_addresses_or_networks()
    {
        var proxies = TrustedProxies.Parse(["10.1.2.3", "192.168.0.0/16", "::1", "fd00::/8"]);
        Assert.Equal(["10.1.2.3/32", "192.168.0.0/16", "::1/128", "fd00::/8"], proxies.Networks.Select(n => n.ToString()));
        Assert.True(proxies.Any);
        Assert.False(TrustedProxies.Parse([]).Any);
    }

    [Theory]
    [InlineData("proxy.example")]
    [InlineData("10.0.0.1/8")] // host bits set: probably a typo for the proxy's own address
    [InlineData("10.0.0.0/33")]
    public void A_trusted_proxy_that_is_not_an_address_or_network_stops_start_up(string entry)
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => TrustedProxies.Parse([entry]));
        Assert.Contains(TrustedProxies.Key, error.Message);
        Assert.Contains(entry, error.Message);
    }

    [Fact]
    public void By_default_the_allowed_hosts_are_loopback_and_the_hosts_listened_on()
    {
        var hosts = AllowedHosts.From([], [], ["http://127.0.0.1:0", "https://gateway.example:8443", "http://[fd00::1]:80"]);
        Assert.Equal(["localhost", "127.0.0.1", "[::1]", "gateway.example", "[fd00::1]"], hosts);
    }

    [Fact]
    public void Listening_on_every_interface_allows_this_machine_by_name()
    {
        var hosts = AllowedHosts.From([], [], ["http://0.0.0.0:8080"]);
        Assert.Contains(System.Net.Dns.GetHostName(), hosts);
        Assert.DoesNotContain("0.0.0.0", hosts);
    }

    [Fact]
    public void AllowedHosts_replaces_the_defaults_and_the_gateway_key_adds_to_them()
    {
        Assert.Equal(["gw.example"], AllowedHosts.From(["gw.example"], [], ["http://127.0.0.1:0"]));
        Assert.Equal(["localhost", "127.0.0.1", "[::1]", "gw.example"], AllowedHosts.From([], ["gw.example"], ["http://127.0.0.1:0"]));
    }
}
