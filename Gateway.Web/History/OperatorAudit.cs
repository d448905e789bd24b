using Akka.Actor;
using Gateway.Core.Status;
using Gateway.Core.Actors.Messages;
using Gateway.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Gateway.Web.History;

/// <summary>
/// Records every operator command (any REST endpoint or hub method that needs <see cref="SecurityPolicies.Operator"/>)
/// as a history event with the operator's name, the address it came from and the outcome, refusals included.
/// It watches from outside (a middleware and a hub filter), so the API and the hub need not know about history.
/// The same line goes to the dashboard's event log (under the link's name), so that who closed a link is seen there.
/// </summary>
public sealed class OperatorAudit(HistoryWriter writer, HistoryOptions options, TimeProvider time, IServiceProvider services)
{
    public void Record(string? user, string? address, string target, string command, string outcome)
    {
        var now = time.GetUtcNow();
        writer.TryEnqueue(new HistoryEvent(now, options.Node, HistoryScope.Operator, target, HistoryEventKind.Command,
            State: command, Detail: outcome, Operator: user, Address: address));
        // REST outcomes are HTTP statuses ("200 OK", "401 Unauthorized"); the hub's are the gateway's answer.
        var refused = outcome.Length > 0 && char.IsDigit(outcome[0]) && outcome[0] != '2' || outcome.StartsWith("failed", StringComparison.Ordinal);
        var line = $"{command} by {user ?? "an unauthenticated client"} from {address ?? "?"}: {outcome}";
        services.GetService<ActorSystem>()?.EventStream.Publish(new LogWritten(new LogEntry(now, target, refused ? LogSeverity.Warning : LogSeverity.Information, line)));
    }

    internal static bool NeedsOperator(IEnumerable<object> metadata) =>
        metadata.OfType<IAuthorizeData>().Any(a => a.Policy == SecurityPolicies.Operator);
}

/// <summary>Puts the REST half of <see cref="OperatorAudit"/> in front of the host's pipeline (after the request, routing and authentication have run).</summary>
public sealed class OperatorAuditStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, proceed) =>
        {
            try
            {
                await proceed(context);
            }
            finally
            {
                if (context.GetEndpoint() is { } endpoint && OperatorAudit.NeedsOperator(endpoint.Metadata))
                {
                    var audit = context.RequestServices.GetRequiredService<OperatorAudit>();
                    var routes = context.Request.RouteValues;
                    // a link by name (isp2), a bundle's member (vpn/4: its policy), else the path
                    var target = routes.TryGetValue("name", out var name) ? name?.ToString() ?? ""
                        : routes.TryGetValue("bundle", out var bundle) && routes.TryGetValue("member", out var member) ? $"{bundle}/{member}"
                        : context.Request.Path.Value ?? "";
                    var command = context.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
                    audit.Record(context.User.Identity?.Name, context.Connection.RemoteIpAddress?.ToString(), target, command,
                        $"{context.Response.StatusCode} {ReasonPhrase(context.Response.StatusCode)}");
                }
            }
        });
        next(app);
    };

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}

/// <summary>The hub half of <see cref="OperatorAudit"/>: the dashboard's Dial, Close and Down buttons.</summary>
public sealed class OperatorAuditHubFilter(OperatorAudit audit) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (!OperatorAudit.NeedsOperator(invocation.HubMethod.GetCustomAttributes(inherit: true)))
            return await next(invocation);
        var user = invocation.Context.User?.Identity?.Name;
        var address = invocation.Context.GetHttpContext()?.Connection.RemoteIpAddress?.ToString();
        var target = invocation.HubMethodArguments.FirstOrDefault()?.ToString() ?? "";
        var command = invocation.HubMethodName.ToLowerInvariant();
        try
        {
            var result = await next(invocation);
            audit.Record(user, address, target, command, result is LinkCommandResult r ? r.Message : "done");
            return result;
        }
        catch (Exception e)
        {
            audit.Record(user, address, target, command, $"failed: {e.Message}");
            throw;
        }
    }
}
