using Berth.Cli;

return Cli.Dispatch(args);
