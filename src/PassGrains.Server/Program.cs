using PassGrains.Server;

var app = PassGrainsApp.Build(args);
await app.RunAsync();
