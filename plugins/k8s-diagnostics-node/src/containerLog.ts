/**
 * The last lines of a container's log as evidence, capped by lines and bytes; a refused read is
 * an error in the answer.
 */
import { ContainerLogEvidence } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { KubeHttp } from './clientTypes';
import { CORE, enc, statusOf, why } from './evidenceReads';
import { readPodLogText } from './podLog';

/** Largest and default number of log lines read of one container. @public */
export const LOG_LIMITS = {
  maxTailLines: 1000,
  tailLines: 100,
  maxBytes: 256 * 1024,
  bytes: 64 * 1024,
};

/**
 * The last lines of a container's log, capped by lines and bytes (the API server applies both).
 * @public
 */
export async function readContainerLog(
  http: KubeHttp,
  options: {
    namespace: string;
    pod: string;
    container: string;
    previous?: boolean;
    tailLines?: number;
    limitBytes?: number;
  },
): Promise<ContainerLogEvidence> {
  const tailLines = Math.min(
    Math.max(1, options.tailLines ?? LOG_LIMITS.tailLines),
    LOG_LIMITS.maxTailLines,
  );
  const limitBytes = Math.min(
    Math.max(1024, options.limitBytes ?? LOG_LIMITS.bytes),
    LOG_LIMITS.maxBytes,
  );
  const previous = options.previous ?? false;
  const path =
    `${CORE}/namespaces/${enc(options.namespace)}/pods/${enc(
      options.pod,
    )}/log?container=${enc(options.container)}` +
    `&tailLines=${tailLines}&limitBytes=${limitBytes}${
      previous ? '&previous=true' : ''
    }`;
  try {
    const text = await readPodLogText(http, path);
    const capped = Buffer.byteLength(text, 'utf8') >= limitBytes;
    const lines = text.replace(/\n$/, '').split('\n');
    // a log cut by limitBytes ends inside a line: keep whole lines only
    if (capped && lines.length > 1) lines.pop();
    return {
      container: options.container,
      previous,
      lines: text === '' ? [] : lines,
      truncated: capped || lines.length >= tailLines,
    };
  } catch (e) {
    const status = statusOf(e);
    const message =
      status === 400 ? (e as Error).message.replace(/^.*?:\s*/, '') : why(e);
    return {
      container: options.container,
      previous,
      lines: [],
      truncated: false,
      error: message,
    };
  }
}
