/**
 * POST /entity/explain's answer: the explanation's chunks as an NDJSON stream. An error before
 * the first chunk is the request's own answer (404, 429, 503…); one after it ends the stream with
 * an `{"type":"error"}` line.
 */
import { createNdjsonWriter, NdjsonResponse } from '@periscope/kube-access';
import { ExplainChunk } from '../types';

/** Runs `explain`, streaming each chunk it gives, and ends the response. */
export async function streamExplanation(
  res: NdjsonResponse & { end(): unknown },
  explain: (onChunk: (chunk: ExplainChunk) => void) => Promise<unknown>,
): Promise<void> {
  const out = createNdjsonWriter<ExplainChunk>(res);
  try {
    await explain(c => out.write(c));
  } catch (e) {
    if (!out.started) throw e;
    out.write({ type: 'error', message: (e as Error).message });
  }
  res.end();
}
