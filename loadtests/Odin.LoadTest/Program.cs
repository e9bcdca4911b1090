using Odin.LoadTest;
using Odin.LoadTest.Compare;
using Odin.LoadTest.Run;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    return args.FirstOrDefault() switch
    {
        "listen" => await ListenCommand.RunAsync(new Arguments(args[1..]), stop.Token),
        "compare" => await CompareCommand.RunAsync(new Arguments(args[1..]), stop.Token),
        "run" => await RunCommand.RunAsync(new Arguments(args[1..]), writes: true, stop.Token),
        "devices" => await RunCommand.RunAsync(new Arguments(args[1..]), writes: false, stop.Token),
        "cache" => await CacheCommand.RunAsync(new Arguments(args[1..]), stop.Token),
        "jobs" => await JobsCommand.RunAsync(new Arguments(args[1..]), stop.Token),
        "peer" => await PeerCommand.RunAsync(new Arguments(args[1..]), stop.Token),
        "hosts" => await HostsCommand.RunAsync(new Arguments(args[1..]), stop.Token),
        "outbox" => await Odin.LoadTest.Outbox.OutboxCommand.RunAsync(new Arguments(args[1..]), stop.Token),
        "identities" => await Odin.LoadTest.Routing.IdentitiesCommand.RunAsync(new Arguments(args[1..]), stop.Token),
        "stalled" => await StalledCommand.RunAsync(new Arguments(args[1..]), stop.Token),
        "routing" => await Odin.LoadTest.Routing.RoutingCommand.RunAsync(new Arguments(args[1..]), stop.Token),
        "resume" => await Odin.LoadTest.Resume.ResumeCommand.RunAsync(new Arguments(args[1..]), stop.Token),
        _ => Usage(),
    };
}
catch (Exception ex) when (ex is ArgumentException or FormatException or HttpRequestException)
{
    await Console.Error.WriteLineAsync($"odin-loadtest: {ex.Message}");
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine($"usage: Odin.LoadTest {ListenCommand.Usage}");
    Console.Error.WriteLine($"       Odin.LoadTest {CompareCommand.Usage}");
    Console.Error.WriteLine($"       Odin.LoadTest {RunCommand.Usage}");
    Console.Error.WriteLine($"       Odin.LoadTest {CacheCommand.Usage}");
    Console.Error.WriteLine($"       Odin.LoadTest {JobsCommand.Usage}");
    Console.Error.WriteLine($"       Odin.LoadTest {PeerCommand.Usage}");
    Console.Error.WriteLine($"       Odin.LoadTest {HostsCommand.Usage}");
    Console.Error.WriteLine($"       Odin.LoadTest {Odin.LoadTest.Resume.ResumeCommand.Usage}");
    Console.Error.WriteLine($"       Odin.LoadTest {Odin.LoadTest.Routing.RoutingCommand.Usage}");
    Console.Error.WriteLine($"       Odin.LoadTest {StalledCommand.Usage}");
    Console.Error.WriteLine($"       Odin.LoadTest {Odin.LoadTest.Routing.IdentitiesCommand.Usage}");
    Console.Error.WriteLine($"       Odin.LoadTest {Odin.LoadTest.Outbox.OutboxCommand.Usage}");
    return 2;
}
