/**
 * The answer of a deploy, rollback or delete: its steps as an NDJSON stream. An error before the
 * first step is the request's own answer (400, 403, 409…); one after it ends the stream with a
 * `{"type":"done","ok":false,"error":…}` line.
 */
import { createNdjsonWriter, NdjsonResponse } from '@periscope/kube-access';
import { StreamSink } from '../services/DeployService';
import { DeployStreamEvent } from '../types';

/** Runs `run`, streaming each event it gives, and ends the response. */
export async function streamOperation(
  res: NdjsonResponse & { end(): unknown },
  run: (sink: StreamSink) => Promise<unknown>,
): Promise<void> {
  const out = createNdjsonWriter<DeployStreamEvent>(res);
  const sink = (e: DeployStreamEvent) => out.write(e);
  try {
    await run(sink);
  } catch (e) {
    if (!out.started) throw e;
    sink({ type: 'done', ok: false, results: [], error: (e as Error).message });
  }
  res.end();
}
