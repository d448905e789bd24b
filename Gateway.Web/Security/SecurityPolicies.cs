using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace Gateway.Web.Security;

/// <summary>Web settings under <c>Gateway:Web</c>.</summary>
public sealed class WebSecurityOptions
{
    /// <summary>Whether the dashboard, the hub and the GET API may be read without logging in.</summary>
    public bool OpenViewing { get; set; } = true;

    /// <summary>Origins besides the server's own that may open the hub or post (e.g. behind a reverse proxy).</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

public static class SecurityPolicies
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string OperatorRole = "operator";
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string SelectorScheme = "cookie-or-basic";
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";
    public const string CookieName = "gateway.operator";

    public static ClaimsPrincipal OperatorPrincipal(string authenticationType) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, OperatorCredentials.UserName), new Claim(ClaimTypes.Role, OperatorRole)],
        authenticationType, ClaimTypes.Name, ClaimTypes.Role));

    public static void AddGatewaySecurity(this IServiceCollection services, WebSecurityOptions web)
    {
        services.AddSingleton(web);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<OperatorSessionStore>();
        // Keys in memory: nothing secret is written to disk, and no cookie or anti-forgery token outlives the process.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAntiforgery(o => o.HeaderName = AntiforgeryHeader);
        services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "cookie or HTTP Basic", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
                    ? BasicAuthenticationHandler.SchemeName
                    : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, BasicAuthenticationHandler>(BasicAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = ctx => Status(ctx.Response, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => Status(ctx.Response, StatusCodes.Status403Forbidden);
                o.Events.OnValidatePrincipal = OperatorSessionStore.ValidateAsync;
            });
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<OperatorSessionStore>((o, store) => o.SessionStore = store);
        services.AddAuthorizationBuilder()
            .AddPolicy(Operator, p => p.RequireAuthenticatedUser().RequireRole(OperatorRole))
            .AddPolicy(Viewer, p =>
            {
                if (web.OpenViewing)
                    p.RequireAssertion(_ => true);
                else
                    p.RequireAuthenticatedUser().RequireRole(OperatorRole);
            });
    }

    private static Task Status(HttpResponse response, int code)
    {
        response.StatusCode = code;
        return Task.CompletedTask;
    }

    /// <summary>Refuses cross-site WebSocket and state-changing requests: an Origin must be this server or an allowed one.</summary>
    public static IApplicationBuilder UseOriginCheck(this IApplicationBuilder app, WebSecurityOptions web) => app.Use(async (ctx, next) =>
    {
        var origin = ctx.Request.Headers.Origin.ToString();
        var guarded = ctx.WebSockets.IsWebSocketRequest
            || ctx.Request.Path.StartsWithSegments("/hub")
            || !(HttpMethods.IsGet(ctx.Request.Method) || HttpMethods.IsHead(ctx.Request.Method));
        if (guarded && origin.Length > 0 && !IsAllowedOrigin(origin, ctx.Request, web))
        {
            ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
            await ctx.Response.WriteAsync("cross-origin request refused");
            return;
        }
        await next(ctx);
    });

    internal static bool IsAllowedOrigin(string origin, HttpRequest request, WebSecurityOptions web)
    {
        if (web.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
            return true;
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary><c>/api/login</c>, <c>/api/logout</c>, <c>/api/session</c> for the dashboard's cookie.</summary>
    public static void MapLoginApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("session");
        api.MapPost("/login", async (LoginRequest request, HttpContext ctx, OperatorCredentials credentials, LoginThrottle throttle, IAntiforgery antiforgery) =>
        {
            var address = ctx.Connection.RemoteIpAddress;
            if (throttle.IsBlocked(address, out var retryAfter))
            {
                LoginThrottle.Refuse(ctx.Response, retryAfter);
                return Results.Problem("too many failed logins from this address: try again after Retry-After seconds", statusCode: StatusCodes.Status429TooManyRequests);
            }
            if (!credentials.Check(OperatorCredentials.UserName, request.Password ?? ""))
            {
                throttle.RecordFailure(address);
                return Results.Problem("wrong password", statusCode: StatusCodes.Status401Unauthorized);
            }
            throttle.RecordSuccess(address);
            var principal = OperatorSessionStore.Principal(credentials);
            await ctx.SignInAsync(CookieScheme, principal);
            ctx.User = principal; // the anti-forgery token is bound to the user who will send it
            return Results.Ok(new SessionInfo(true, antiforgery.GetAndStoreTokens(ctx).RequestToken));
        }).WithSummary("Log the dashboard in as the operator (sets a cookie); failed attempts are rate-limited.");

        api.MapPost("/logout", async (HttpContext ctx) =>
        {
            await ctx.SignOutAsync(CookieScheme);
            return Results.NoContent();
        }).AddEndpointFilter<AntiforgeryForCookiesFilter>().WithSummary("Log the dashboard out: the session ends on the server, so a copy of its cookie is refused too.");

        api.MapGet("/session", (HttpContext ctx, IAntiforgery antiforgery) =>
            new SessionInfo(ctx.User.IsInRole(OperatorRole), antiforgery.GetAndStoreTokens(ctx).RequestToken))
            .WithSummary("Whether this browser is logged in, and the anti-forgery token its posts must carry.");
    }
}

public sealed record LoginRequest(string? Password);

public sealed record SessionInfo(bool Operator, string? Antiforgery);

/// <summary>
/// A cookie is sent by the browser on its own, so a post authenticated by the cookie must carry the anti-forgery
/// token too; HTTP Basic is never sent unasked by the dashboard, so Basic clients need no token.
/// </summary>
public sealed class AntiforgeryForCookiesFilter(IAntiforgery antiforgery) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.User.Identity is { IsAuthenticated: true, AuthenticationType: SecurityPolicies.CookieScheme })
        {
            try
            {
                await antiforgery.ValidateRequestAsync(http);
            }
            catch (AntiforgeryValidationException)
            {
                return Results.Problem("missing or wrong anti-forgery token", statusCode: StatusCodes.Status400BadRequest);
            }
        }
        return await next(context);
    }
}
