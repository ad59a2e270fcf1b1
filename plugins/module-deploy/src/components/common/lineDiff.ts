import { stringify } from 'yaml';

/** One row of a side-by-side diff: a line on the left, on the right, or on both. */
export interface DiffRow {
  kind: 'same' | 'removed' | 'added' | 'changed';
  left?: { line: number; text: string };
  right?: { line: number; text: string };
}

/** Above this many lines on a side, the diff is line by line by position (LCS would be too slow). */
const MAX_LCS_LINES = 3000;

/**
 * Side-by-side diff of two texts by line (longest common subsequence): unchanged lines side by
 * side, a run of removed lines next to the run of added lines that replaces it (`changed`), the
 * rest alone on their side.
 */
export function lineDiff(before: string, after: string): DiffRow[] {
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  const ops: Array<['same' | 'removed' | 'added', number, number]> = [];
  if (a.length > MAX_LCS_LINES || b.length > MAX_LCS_LINES) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i < a.length && i < b.length && a[i] === b[i])
        ops.push(['same', i, i]);
      else {
        if (i < a.length) ops.push(['removed', i, -1]);
        if (i < b.length) ops.push(['added', -1, i]);
      }
    }
  } else {
    // lcs[i][j]: length of the LCS of a[i..] and b[j..]
    const lcs = Array.from({ length: a.length + 1 }, () =>
      new Array<number>(b.length + 1).fill(0),
    );
    for (let i = a.length - 1; i >= 0; i--)
      for (let j = b.length - 1; j >= 0; j--)
        lcs[i][j] =
          a[i] === b[j]
            ? lcs[i + 1][j + 1] + 1
            : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i] === b[j]) {
        ops.push(['same', i++, j++]);
      } else if (
        j < b.length &&
        (i >= a.length || lcs[i][j + 1] >= lcs[i + 1][j])
      ) {
        ops.push(['added', -1, j++]);
      } else {
        ops.push(['removed', i++, -1]);
      }
    }
  }
  // pair each run of removed lines with the run of added lines next to it
  const rows: DiffRow[] = [];
  for (let k = 0; k < ops.length; ) {
    if (ops[k][0] === 'same') {
      const [, x, y] = ops[k++];
      rows.push({
        kind: 'same',
        left: { line: x + 1, text: a[x] },
        right: { line: y + 1, text: b[y] },
      });
      continue;
    }
    const removed: number[] = [];
    const added: number[] = [];
    while (k < ops.length && ops[k][0] !== 'same') {
      if (ops[k][0] === 'removed') removed.push(ops[k][1]);
      else added.push(ops[k][2]);
      k++;
    }
    for (let n = 0; n < Math.max(removed.length, added.length); n++) {
      const x = removed[n];
      const y = added[n];
      let kind: DiffRow['kind'] = 'added';
      if (x !== undefined) kind = y !== undefined ? 'changed' : 'removed';
      rows.push({
        kind,
        ...(x !== undefined ? { left: { line: x + 1, text: a[x] } } : {}),
        ...(y !== undefined ? { right: { line: y + 1, text: b[y] } } : {}),
      });
    }
  }
  return rows;
}

/** YAML of a value with its keys sorted, so that two objects line up key by key. */
export function toYaml(value: unknown): string {
  if (value === undefined) return '';
  return stringify(value, { sortMapEntries: true, lineWidth: 0 });
}
