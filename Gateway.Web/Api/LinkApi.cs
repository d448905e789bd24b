using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Status;
using Gateway.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gateway.Web.Api;

/// <summary>
/// The REST API: <c>GET /api/links</c>, <c>GET /api/bundles</c>, <c>POST /api/links/{name}/dial|close|down</c>,
/// <c>POST /api/bundles/{bundle}/members/{member}/policy</c>.
/// </summary>
public static class LinkApi
{
    public static void MapLinkApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("gateway");
        var read = api.MapGroup("").RequireAuthorization(SecurityPolicies.Viewer);

        read.MapGet("/links", (GatewayControl control) => control.Snapshot().Links)
            .WithName("GetLinks").WithSummary("Every ISP link: modem state, phone, dial attempts, MYADDR/HISADDR, uptime, counters.");
        read.MapGet("/bundles", (GatewayControl control) => control.Snapshot().Bundles)
            .WithName("GetBundles").WithSummary("Every Multilink bundle: members, MRRU, reassembly statistics, goodput, probe RTT and loss.");
        read.MapGet("/sublinks", (GatewayControl control) => control.Snapshot().Sublinks)
            .WithName("GetSublinks").WithSummary("Every member link: LCP/auth state, LQR or echo results, counters.");
        read.MapGet("/snapshot", (GatewayControl control) => control.Snapshot())
            .WithName("GetSnapshot").WithSummary("The whole current picture, with the recent event log.");

        var control = api.MapGroup("/links/{name}").RequireAuthorization(SecurityPolicies.Operator).AddEndpointFilter<AntiforgeryForCookiesFilter>();
        control.MapPost("/dial", (string name, GatewayControl c, CancellationToken ct) => Command(c, name, LinkCommandKind.Dial, ct))
            .WithName("DialLink").WithSummary("Dial the link (FreeBSD ppp's `dial`). Needs an operator.");
        control.MapPost("/close", (string name, GatewayControl c, CancellationToken ct) => Command(c, name, LinkCommandKind.Close, ct))
            .WithName("CloseLink").WithSummary("Close the link gracefully; it stays down (`close`). Needs an operator.");
        control.MapPost("/down", (string name, GatewayControl c, CancellationToken ct) => Command(c, name, LinkCommandKind.Down, ct))
            .WithName("DownLink").WithSummary("Drop the line abruptly, without LCP's goodbye; it stays down until dialled, as FreeBSD ppp's `down` (CLOSE_STAYDOWN). Needs an operator.");

        var policy = api.MapGroup("/bundles/{bundle}/members/{member}").RequireAuthorization(SecurityPolicies.Operator).AddEndpointFilter<AntiforgeryForCookiesFilter>();
        policy.MapPost("/policy", (string bundle, string member, MemberPolicyRequest request, GatewayControl c, CancellationToken ct) => SetPolicy(c, bundle, member, request, ct))
            .WithName("SetMemberPolicy")
            .WithSummary("Make a member of the bundle a backup (`{\"backup\": true}`: it carries data only while no primary member is up) or a primary (`{\"backup\": false, \"priority\": 2}`: data goes to the best priority up, 1 the best; default 1), as ppp.conf's `set policy` (the gateway's extension). Needs an operator.");
    }

    private static async Task<Results<Ok<MemberPolicyResult>, NotFound<MemberPolicyResult>, ProblemHttpResult>> SetPolicy(
        GatewayControl control, string bundle, string member, MemberPolicyRequest request, CancellationToken ct)
    {
        if (request.Backup && request.Priority is not null)
            return TypedResults.Problem("a backup has no priority", statusCode: StatusCodes.Status400BadRequest);
        if (request.Priority is < MemberPolicy.DefaultPriority or > MemberPolicy.MaxPriority)
            return TypedResults.Problem($"a priority is {MemberPolicy.DefaultPriority} to {MemberPolicy.MaxPriority}", statusCode: StatusCodes.Status400BadRequest);
        var policy = request.Backup ? MemberPolicy.Backup : MemberPolicy.Primary(request.Priority ?? MemberPolicy.DefaultPriority);
        try
        {
            var result = await control.SetPolicyAsync(bundle, member, policy, ct);
            return result.Found ? TypedResults.Ok(result) : TypedResults.NotFound(result);
        }
        catch (GatewayUnavailableException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<Results<Ok<LinkCommandResult>, NotFound<LinkCommandResult>, ProblemHttpResult>> Command(
        GatewayControl control, string name, LinkCommandKind kind, CancellationToken ct)
    {
        try
        {
            var result = await control.SendAsync(name, kind, ct);
            return result.Found ? TypedResults.Ok(result) : TypedResults.NotFound(result);
        }
        catch (GatewayUnavailableException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}

/// <summary>The body of <c>POST /api/bundles/{bundle}/members/{member}/policy</c>: backup, or a primary of <paramref name="Priority"/> (null: 1).</summary>
public sealed record MemberPolicyRequest(bool Backup, int? Priority = null);
