// Preloaded into `tsc` by the bench: prints the process' peak RSS when it exits.
process.on("exit", () => {
  process.stderr.write(`\nTRIBUTARY_BENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
