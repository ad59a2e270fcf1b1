/**
 * Rendering a target with a values overlay: what the engine is given, and a CUE evaluation error
 * as an invalid result instead of a throw.
 */
import {
  JsonObject,
  objectRef,
} from '@periscope/backstage-plugin-module-deploy-common';
import {
  CueEvaluationError,
  ModuleEngine,
} from '@periscope/backstage-plugin-module-deploy-node';
import { DeployTarget } from '../../types';

/** What the engine renders for a target with the values overlay. */
export function engineInput(t: DeployTarget, overlay: JsonObject) {
  return {
    source: t.source,
    name: t.instanceName,
    namespace: t.namespace,
    values: [overlay],
  };
}

/** Renders `target`; invalid values (a CUE evaluation error) are `ok: false` with the error. */
export async function renderTarget(
  engine: ModuleEngine,
  target: DeployTarget,
  overlay: JsonObject,
) {
  try {
    const r = await engine.render(engineInput(target, overlay));
    return {
      ok: true as const,
      overlay,
      rendered: r.objects.map(objectRef),
      values: r.values,
      result: r,
    };
  } catch (e) {
    if (e instanceof CueEvaluationError)
      return { ok: false as const, overlay, error: e };
    throw e;
  }
}
