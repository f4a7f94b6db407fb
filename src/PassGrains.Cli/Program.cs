using System.CommandLine;
using PassGrains.Cli;
using PassGrains.Cli.Commands;

var root = new RootCommand("passgrains: build, sign and verify Apple Wallet passes")
{
    CertsCommands.Create(),
    PassCommands.Create(),
    BenchCommands.Create(),
    DbCommands.Create(),
};
return CommandRunner.Run(root, args);
