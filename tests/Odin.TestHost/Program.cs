using Odin.Hosting;
using Odin.Hosting.Jobs;
using Odin.TestHost;

var app = OdinHostingApp.Build(args, builder => builder.Services.AddJobHandler<CountedJob>(CountedJob.Type));
await OdinHostingApp.StartAsync(app);
await app.WaitForShutdownAsync();
