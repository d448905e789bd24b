namespace Gateway.Web.Security;

/// <summary>
/// The headers every answer carries, the page's and the API's alike: scripts, styles and connections from this
/// server only (the dashboard has no inline script or style and loads nothing from elsewhere), never framed (its
/// Drop button must not be clickjacked), no MIME sniffing, no Referer to other sites.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public const string ReferrerPolicy = "no-referrer";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((ctx, next) =>
    {
        var headers = ctx.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY"; // frame-ancestors for browsers that predate CSP 2
        headers["Referrer-Policy"] = ReferrerPolicy;
        return next(ctx);
    });
}
