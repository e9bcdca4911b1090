using Odin.Hosting;
using Odin.Hosting.Jobs;
using Odin.Hosting.Storage;
using Odin.TestHost;

var app = OdinHostingApp.Build(args, builder => builder.Services.AddJobHandler<CountedJob>(CountedJob.Type));
await CountedJob.CreateTablesAsync(app.Services.GetRequiredService<IDatabase>());
await OdinHostingApp.StartAsync(app);
await app.WaitForShutdownAsync();
