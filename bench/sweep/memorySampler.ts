/** Peak resident set and heap of this process, sampled every 100 ms (and once more when read). */
export function memorySampler(everyMs = 100): { stop: () => { peakRssMb: number; peakHeapMb: number } } {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      sample();
      clearInterval(timer);
      return { peakRssMb: rss / 1048576, peakHeapMb: heap / 1048576 };
    },
  };
}
