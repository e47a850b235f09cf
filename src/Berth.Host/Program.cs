using Berth.Host;

return await BerthHost.RunAsync(args).ConfigureAwait(false);
