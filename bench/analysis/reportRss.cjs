// Preloaded into `tsc` by the bench: prints the process' peak RSS when it exits.
process.on("exit", () => {
  const usage = process.resourceUsage();
  process.stderr.write(`\nTRIBUTARY_BENCH_MAX_RSS_KB=${usage.maxRSS}\nTRIBUTARY_BENCH_CPU_US=${usage.userCPUTime + usage.systemCPUTime}\n`);
});
