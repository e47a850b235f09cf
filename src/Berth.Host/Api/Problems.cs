using Berth.ControlPlane;
using Berth.Data;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Berth.Host.Api;

/// <summary>Turns refusals and failures into RFC 9457 problem details: the control plane's refusals with their status, malformed bodies as 400, oversize bodies as 413, a database that cannot be reached as 503.</summary>
public sealed class Problems(IProblemDetailsService problems, ILogger<Problems> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var (status, title, detail) = exception switch
        {
            ControlPlaneException e => ((int)e.Kind, Title(e.Kind), e.Message),
            BadHttpRequestException { StatusCode: 413 } => (413, "Request body too large", exception.Message),
            BadHttpRequestException b => (b.StatusCode, "Bad request", Inner(b)),
            Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException => (409, "Conflict", "someone else changed it at the same time; try again"),
            _ when BerthDatabase.IsUnavailable(exception) => (503, "Database unavailable", "PostgreSQL cannot be reached; containers keep running and nothing was changed. Try again shortly."),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => (499, "Client closed request", null),
            _ => (500, "Internal error", "the host failed; see its log"),
        };
        if (status == 500) logger.LogError(exception, "unhandled error on {Path}", httpContext.Request.Path);
        httpContext.Response.StatusCode = status;
        if (status == 503) httpContext.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        }).ConfigureAwait(false);
    }

    private static string Title(ProblemKind kind) => kind switch
    {
        ProblemKind.Invalid => "Invalid request",
        ProblemKind.Unauthenticated => "Not signed in",
        ProblemKind.Forbidden => "Forbidden",
        ProblemKind.NotFound => "Not found",
        ProblemKind.Conflict => "Conflict",
        ProblemKind.QuotaExceeded => "Quota exceeded",
        ProblemKind.Unavailable => "Unavailable",
        _ => kind.ToString(),
    };

    // Minimal APIs wrap JSON errors: the inner message says where the body is wrong.
    private static string Inner(Exception e) => e.InnerException is { } inner ? $"{e.Message}: {inner.Message}" : e.Message;
}
