import { useSignal } from '@backstage/plugin-signals-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { EntityDeployState, ModuleDeployApi } from '../../api';

/** What the Deploy tab shows of GET /entity. */
export interface EntityStateView {
  /** The last answer (kept while a new one is asked for). */
  value?: EntityDeployState;
  /** Why the first answer failed (nothing to show). */
  error?: Error;
  /** Why the last refresh failed while an earlier answer is shown. */
  refreshError?: Error;
  /** Asks again now (after a deploy, rollback, delete or drift check). */
  reload: () => void;
}

/**
 * The entity's stored instance state: asked for once on mount, then every `intervalMs` while the
 * page is visible (paused while `document.hidden`, asked for at once when it shows again), and at
 * once when the backend signals a new read (Backstage signals, channel `module-deploy:<entityRef>`,
 * where the app has the signals plugin). An answer to an older request, or for another entity,
 * is dropped.
 */
export function useEntityState(
  api: ModuleDeployApi,
  entityRef: string,
  intervalMs: number,
): EntityStateView {
  const [state, setState] = useState<{
    ref: string;
    value?: EntityDeployState;
    error?: Error;
    refreshError?: Error;
  }>({ ref: entityRef });
  const latest = useRef(0);

  const reload = useCallback(() => {
    const id = ++latest.current;
    api.getEntity(entityRef).then(
      value => {
        if (id === latest.current) setState({ ref: entityRef, value });
      },
      (e: Error) => {
        if (id !== latest.current) return;
        setState(s =>
          s.ref === entityRef && s.value
            ? { ...s, refreshError: e }
            : { ref: entityRef, error: e },
        );
      },
    );
  }, [api, entityRef]);

  useEffect(() => {
    const requests = latest;
    reload();
    return () => {
      requests.current++; // answers after unmount (or for the previous entity) are dropped
    };
  }, [reload]);

  const { lastSignal } = useSignal(`module-deploy:${entityRef}`);
  const seenSignal = useRef(lastSignal);
  useEffect(() => {
    if (!lastSignal || lastSignal === seenSignal.current) return;
    seenSignal.current = lastSignal;
    if (!document.hidden) reload();
  }, [lastSignal, reload]);

  useEffect(() => {
    if (!(intervalMs > 0)) return undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (!timer) timer = setInterval(reload, intervalMs);
    };
    const stop = () => {
      if (timer) clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => {
      if (document.hidden) {
        stop();
        return;
      }
      reload();
      start();
    };
    if (!document.hidden) start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [reload, intervalMs]);

  const current = state.ref === entityRef ? state : { ref: entityRef };
  return {
    value: current.value,
    error: current.error,
    refreshError: current.refreshError,
    reload,
  };
}
