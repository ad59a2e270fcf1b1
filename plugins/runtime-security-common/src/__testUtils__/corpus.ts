/* Test-only helpers (Node): the Tetragon reference corpus. Not exported from the package. */
import * as fs from 'fs';
import * as path from 'path';

/** The reference corpora: `$PERISCOPE_CORPORA`, else `../shared/corpora` next to the checkout. */
export const CORPORA =
  process.env.PERISCOPE_CORPORA ??
  path.resolve(__dirname, '../../../../..', 'shared/corpora');

export const EVENTS_DIR = path.join(CORPORA, 'tetragon', 'events');

/** Every file of the events folder (jsonl and the malformed fragment). */
export function corpusEventFiles(): string[] {
  if (!fs.existsSync(EVENTS_DIR)) {
    throw new Error(
      `no Tetragon corpus at ${EVENTS_DIR}: check out the shared corpora next to the repository (../shared/corpora) or set PERISCOPE_CORPORA`,
    );
  }
  return fs
    .readdirSync(EVENTS_DIR)
    .filter(f => fs.statSync(path.join(EVENTS_DIR, f)).isFile())
    .sort();
}

/** The lines of a corpus file, without the empty string after a final newline. */
export function corpusLines(file: string): string[] {
  const text = fs.readFileSync(path.join(EVENTS_DIR, file), 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Line `n` (1-based) of a corpus file. */
export function corpusLine(file: string, n: number): string {
  const line = corpusLines(file)[n - 1];
  if (line === undefined) throw new Error(`${file} has no line ${n}`);
  return line;
}
