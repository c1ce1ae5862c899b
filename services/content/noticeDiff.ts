/**
 * What changed between two published texts, line by line, for the change-notice card: lines removed from the old
 * text and lines added in the new one, in reading order (a longest-common-subsequence diff; the texts are a few
 * dozen lines, so the quadratic table is small).
 */

/** One changed line. */
export interface NoticeChange {
  change: 'added' | 'removed';
  line: string;
}

/** The lines removed and added from `before` to `after`, blank lines left out. */
export function noticeDiff(before: readonly string[], after: readonly string[]): NoticeChange[] {
  const n = before.length;
  const m = after.length;
  // lcs[i][j]: length of the longest common subsequence of before[i..] and after[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = before[i] === after[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: NoticeChange[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push({ change: 'removed', line: before[i++] });
    } else {
      out.push({ change: 'added', line: after[j++] });
    }
  }
  return out.filter((c) => c.line.trim() !== '');
}
