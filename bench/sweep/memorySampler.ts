/**
 * Peak resident set and heap of this process, sampled every 100 ms (and once more when read). With `--expose-gc`
 * it also forces a full collection every `liveEveryMs` and keeps the peak heap left after it: what the process
 * retains, apart from garbage not yet collected (which makes the plain peak vary from run to run).
 */
export function memorySampler(everyMs = 100, liveEveryMs = 2000): { stop: () => { peakRssMb: number; peakHeapMb: number; peakLiveHeapMb: number } } {
  let rss = 0;
  let heap = 0;
  let live = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const collect = () => {
    if (!gc) return;
    gc();
    live = Math.max(live, process.memoryUsage().heapUsed);
  };
  sample();
  collect();
  const timer = setInterval(sample, everyMs);
  const liveTimer = setInterval(collect, liveEveryMs);
  return {
    stop: () => {
      sample();
      collect();
      clearInterval(timer);
      clearInterval(liveTimer);
      const mb = (n: number) => n / 1048576;
      return { peakRssMb: mb(rss), peakHeapMb: mb(heap), peakLiveHeapMb: mb(live) };
    },
  };
}
