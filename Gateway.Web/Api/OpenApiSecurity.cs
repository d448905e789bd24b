using Gateway.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.Web.Api;

/// <summary>
/// The OpenAPI document's security: the HTTP Basic scheme (user <c>operator</c>), and on every operation that needs
/// the operator, that requirement and the answers of the security layer: 401, 403 and 429 with <c>Retry-After</c>.
/// </summary>
public static class OpenApiSecurity
{
    public const string BasicScheme = "Basic";

    public static IServiceCollection AddGatewayOpenApi(this IServiceCollection services) => services.AddOpenApi(o =>
    {
        o.AddDocumentTransformer((document, _, _) =>
        {
            document.AddComponent<IOpenApiSecurityScheme>(BasicScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "basic",
                Description = $"User `{OperatorCredentials.UserName}` and the operator password. The dashboard logs in with a cookie instead (`POST /api/login`) and sends the anti-forgery token with each post.",
            });
            return Task.CompletedTask;
        });
        o.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any(a => a.Policy == SecurityPolicies.Operator))
                RequireOperator(operation, context.Document);
            return Task.CompletedTask;
        });
    });

    private static void RequireOperator(OpenApiOperation operation, OpenApiDocument? document)
    {
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BasicScheme, document)] = [] });
        operation.Responses ??= [];
        operation.Responses["401"] = new OpenApiResponse { Description = "No credentials, or the wrong user or password." };
        operation.Responses["403"] = new OpenApiResponse { Description = "Sent from another origin (a browser page of another site)." };
        operation.Responses["429"] = new OpenApiResponse
        {
            Description = $"Too many failed logins from this address ({LoginThrottle.MaxFailures} within {LoginThrottle.Window.TotalSeconds:0} s): refused, the right password too, until Retry-After has passed.",
            Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds until this address may try again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                },
            },
        };
    }
}
