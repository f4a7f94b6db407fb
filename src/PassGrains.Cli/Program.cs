using System.CommandLine;
using PassGrains.Cli;
using PassGrains.Cli.Commands;

var root = new RootCommand("passgrains: build, sign and verify Apple Wallet passes, and issue and inspect them on a PassGrains server")
{
    CertsCommands.Create(),
    PassCommands.Create(),
    BenchCommands.Create(),
    DbCommands.Create(),
    IssueCommand.Create(),
    GroupCommands.Create(),
    LogsCommand.Create(),
};
return CommandRunner.Run(root, args);
