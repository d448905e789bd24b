using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Gateway.Web.Security;

/// <summary>HTTP Basic for API clients and <c>gateway ctl</c>: user <c>operator</c>, the operator password.</summary>
public sealed class BasicAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    OperatorCredentials credentials,
    LoginThrottle throttle) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Basic";
    private const string ThrottledKey = "gateway.throttled";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, SchemeName, StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.NoResult());

        var address = Context.Connection.RemoteIpAddress;
        if (throttle.IsBlocked(address, out var retryAfter))
        {
            Context.Items[ThrottledKey] = retryAfter;
            return Task.FromResult(AuthenticateResult.Fail("too many failed logins"));
        }
        if (!TryDecode(header.Parameter, out var user, out var password) || !credentials.Check(user, password))
        {
            throttle.RecordFailure(address);
            return Task.FromResult(AuthenticateResult.Fail("wrong user or password"));
        }
        throttle.RecordSuccess(address);
        var principal = SecurityPolicies.OperatorPrincipal(SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[ThrottledKey] is TimeSpan retryAfter)
        {
            LoginThrottle.Refuse(Response, retryAfter);
            return Task.CompletedTask;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        // The dashboard's own requests say who they are, so that the browser shows no password dialog of its own.
        if (Request.Headers.XRequestedWith.Count == 0)
            Response.Headers.WWWAuthenticate = "Basic realm=\"gateway\", charset=\"UTF-8\"";
        return Task.CompletedTask;
    }

    private static bool TryDecode(string? parameter, out string user, out string password)
    {
        user = password = "";
        if (string.IsNullOrEmpty(parameter))
            return false;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
        }
        catch (FormatException)
        {
            return false;
        }
        var colon = text.IndexOf(':');
        if (colon < 0)
            return false;
        user = text[..colon];
        password = text[(colon + 1)..];
        return true;
    }
}
