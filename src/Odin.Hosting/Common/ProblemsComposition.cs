namespace Odin.Hosting.Common;

public static class ProblemsComposition
{
    /// <summary>Every error as an RFC 7807 problem that says what was wrong, unreadable bodies included.</summary>
    public static IServiceCollection AddOdinProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemDefaults.Apply);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Unreadable bodies throw, so BadRequestExceptionHandler can say what was wrong with them.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }
}
