using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Gateway.Web.Security;

/// <summary>
/// The dashboard's login sessions live in this process only: the cookie carries an encrypted session key, the ticket
/// stays here. Logging out removes the ticket, so a copied cookie is refused from then on; a restart forgets every
/// ticket (and the data-protection keys are ephemeral too), so no cookie outlives the process; and each ticket holds
/// the fingerprint of the password it logged in with, so changing the password ends the sessions of the old one.
/// </summary>
public sealed class OperatorSessionStore(TimeProvider clock) : ITicketStore
{
    public const string PasswordClaim = "gateway:password";

    private readonly ConcurrentDictionary<string, AuthenticationTicket> tickets = new(StringComparer.Ordinal);

    /// <summary>The operator as a cookie session knows them: bound to the password they logged in with.</summary>
    public static ClaimsPrincipal Principal(OperatorCredentials credentials)
    {
        var principal = SecurityPolicies.OperatorPrincipal(SecurityPolicies.CookieScheme);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(PasswordClaim, credentials.Fingerprint));
        return principal;
    }

    /// <summary><see cref="CookieAuthenticationEvents.OnValidatePrincipal"/>: refuses a session of an earlier password.</summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var credentials = context.HttpContext.RequestServices.GetRequiredService<OperatorCredentials>();
        if (context.Principal?.FindFirstValue(PasswordClaim) == credentials.Fingerprint)
            return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(SecurityPolicies.CookieScheme);
    }

    public Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        RemoveExpired();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        tickets[key] = ticket;
        return Task.FromResult(key);
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        // Only a session that still exists is renewed: a ticket removed at logout never comes back.
        if (tickets.TryGetValue(key, out var existing))
            tickets.TryUpdate(key, ticket, existing);
        return Task.CompletedTask;
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) =>
        Task.FromResult(tickets.TryGetValue(key, out var ticket) ? ticket : null);

    public Task RemoveAsync(string key)
    {
        tickets.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    private void RemoveExpired()
    {
        var now = clock.GetUtcNow();
        foreach (var (key, ticket) in tickets)
            if (ticket.Properties.ExpiresUtc is { } expires && expires <= now)
                tickets.TryRemove(key, out _);
    }
}
