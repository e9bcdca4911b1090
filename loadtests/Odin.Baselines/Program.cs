using Odin.Baselines;

// Odin.Baselines raw|signalr --redis host:port [--urls http://127.0.0.1:port]
var mode = args.FirstOrDefault();
var redisIndex = Array.IndexOf(args, "--redis");
var redis = redisIndex >= 0 && redisIndex + 1 < args.Length ? args[redisIndex + 1] : "127.0.0.1:6379";
var rest = args.Skip(1).Where((_, i) => i != redisIndex - 1 && i != redisIndex).ToArray();
switch (mode)
{
    case "raw":
        await RawFanoutServer.RunAsync(rest, redis);
        return 0;
    case "signalr":
        await PlainSignalRServer.RunAsync(rest, redis);
        return 0;
    default:
        Console.Error.WriteLine("usage: Odin.Baselines raw|signalr --redis host:port [--urls http://127.0.0.1:port]");
        return 2;
}
