using Berth.Cli;

return Cli.Main(args);
