import {
  DependencyList,
  useCallback,
  useEffect,
  useRef,
  useState,
} from 'react';

/**
 * What {@link usePolledAsync} gives a view.
 * @public
 */
export interface PolledAsync<T> {
  /** The last answer: kept while a background refresh runs or fails. */
  value?: T;
  /** The last failure; a view shows it in place of data only when it has no `value`. */
  error?: Error;
  /** True until the first answer (or failure). */
  loading: boolean;
  /** Asks again now (e.g. after a change the user made). */
  reload: () => void;
  /** Shows this answer (e.g. the one a rescan returned) until the next refresh. */
  set: (value: T) => void;
}

/**
 * Loads once on mount (and when `deps` change), shows that answer, and refreshes it in the
 * background: the next load starts `intervalMs(value)` after the last one ended, never two at a
 * time, and not while the document is hidden (a tab coming back into view refreshes at once if it
 * is due). The Periscope entity tabs and cards use it so that they ask once on mount, show stored
 * data at once and refresh in the background.
 * @public
 */
export function usePolledAsync<T>(
  load: () => Promise<T>,
  deps: DependencyList,
  intervalMs: (value: T | undefined) => number,
): PolledAsync<T> {
  const [state, setState] = useState<{
    value?: T;
    error?: Error;
    loading: boolean;
  }>({ loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const intervalRef = useRef(intervalMs);
  intervalRef.current = intervalMs;
  const runRef = useRef<() => void>(() => {});

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    let again = false;
    let dueAt = Infinity;
    let last: T | undefined;
    setState({ loading: true });

    const schedule = () => {
      const wait = intervalRef.current(last);
      dueAt = Date.now() + wait;
      timer = setTimeout(tick, wait);
    };
    const run = async () => {
      if (!active) return;
      if (running) {
        // asked while a load runs: one more right after it, so the answer is not older than the ask
        again = true;
        return;
      }
      running = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      try {
        const value = await loadRef.current();
        if (!active) return;
        last = value;
        setState({ value, loading: false });
      } catch (e) {
        if (!active) return;
        setState(s => ({ ...s, error: e as Error, loading: false }));
      } finally {
        running = false;
        if (active && again) {
          again = false;
          run();
        } else if (active) schedule();
      }
    };
    function tick() {
      timer = undefined;
      // hidden: wait for the document to show again
      if (
        typeof document !== 'undefined' &&
        document.visibilityState === 'hidden'
      )
        return;
      run();
    }
    const onVisible = () => {
      if (
        document.visibilityState !== 'hidden' &&
        !timer &&
        !running &&
        Date.now() >= dueAt
      )
        run();
    };
    runRef.current = () => {
      run();
    };
    document.addEventListener('visibilitychange', onVisible);
    run();
    return () => {
      active = false;
      if (timer) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  const reload = useCallback(() => runRef.current(), []);
  const set = useCallback(
    (value: T) => setState({ value, loading: false }),
    [],
  );
  return { ...state, reload, set };
}
