using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Odin.Gateway.Connections;
using Odin.Contracts;

namespace Odin.Gateway.Hub;

/// <summary>
/// Every hub call spends from its connection's <see cref="CallBudget"/> (a flooding connection is told why and closed)
/// and is counted by method and outcome.
/// </summary>
internal sealed class CallBudgetFilter(IOptions<GatewayOptions> options, LocalConnections connections, ConnectionRefusal refusal, GatewayMetrics metrics) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var method = invocationContext.HubMethodName;
        if (connections.Find(invocationContext.Context.ConnectionId) is { } connection && !connection.Budget.TrySpend())
        {
            metrics.HubCall(method, "refused");
            var caller = ((Hub<IDeviceClient>)invocationContext.Hub).Clients.Caller;
            await refusal.RefuseAsync(caller, invocationContext.Context, $"More than {options.Value.HubCallsPerSecond} calls per second.", RefusalReason.CallRate);
            throw new HubException("Too many calls: the connection is closed.");
        }

        try
        {
            var result = await next(invocationContext);
            metrics.HubCall(method, "ok");
            return result;
        }
        catch (HubException)
        {
            metrics.HubCall(method, "error");
            throw;
        }
    }
}
