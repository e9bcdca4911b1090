using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Odin.Gateway.Connections;

namespace Odin.Gateway.Hub;

/// <summary>Every hub call spends from its connection's <see cref="CallBudget"/>; a flooding connection is told why and closed.</summary>
internal sealed class CallBudgetFilter(IOptions<GatewayOptions> options, GatewayMetrics metrics) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (DeviceConnection.Find(invocationContext.Context) is { } connection && !connection.Budget.TrySpend())
        {
            metrics.Refused();
            var caller = invocationContext.Hub.Clients.Caller;
            await caller.SendAsync("Reconnect", $"More than {options.Value.HubCallsPerSecond} calls per second.", (int)options.Value.RetryAfter.TotalMilliseconds);
            invocationContext.Context.Abort();
            throw new HubException("Too many calls: the connection is closed.");
        }

        return await next(invocationContext);
    }
}
