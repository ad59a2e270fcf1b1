import { act, renderHook } from '@testing-library/react';
import { usePolledAsync } from './usePolledAsync';

function setVisibility(state: 'visible' | 'hidden') {
  Object.defineProperty(document, 'visibilityState', {
    configurable: true,
    get: () => state,
  });
  document.dispatchEvent(new Event('visibilitychange'));
}

const flush = () => act(async () => {});

describe('usePolledAsync', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    setVisibility('visible');
  });

  it('loads once on mount, then again every interval after the last load ended', async () => {
    let n = 0;
    const load = jest.fn(async () => ++n);
    const { result } = renderHook(() => usePolledAsync(load, [], () => 1000));
    await flush();
    expect(result.current).toMatchObject({ value: 1, loading: false });
    expect(load).toHaveBeenCalledTimes(1);
    await act(async () => {
      jest.advanceTimersByTime(999);
    });
    expect(load).toHaveBeenCalledTimes(1);
    await act(async () => {
      jest.advanceTimersByTime(1);
    });
    expect(result.current.value).toBe(2);
  });

  it('does not poll while the document is hidden, and refreshes at once when it shows again', async () => {
    const load = jest.fn(async () => 'x');
    renderHook(() => usePolledAsync(load, [], () => 1000));
    await flush();
    setVisibility('hidden');
    await act(async () => {
      jest.advanceTimersByTime(10_000);
    });
    expect(load).toHaveBeenCalledTimes(1);
    await act(async () => {
      setVisibility('visible');
    });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('a reload during a load runs one more load right after it, never two at a time', async () => {
    let release: (v: string) => void = () => {};
    const load = jest.fn(
      () => new Promise<string>(resolve => (release = resolve)),
    );
    const { result } = renderHook(() => usePolledAsync(load, [], () => 60_000));
    act(() => {
      result.current.reload();
      result.current.reload();
    });
    expect(load).toHaveBeenCalledTimes(1);
    await act(async () => release('first'));
    expect(load).toHaveBeenCalledTimes(2);
    await act(async () => release('second'));
    expect(result.current.value).toBe('second');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('stops when unmounted', async () => {
    const load = jest.fn(async () => 1);
    const { unmount } = renderHook(() => usePolledAsync(load, [], () => 1000));
    await flush();
    unmount();
    await act(async () => {
      jest.advanceTimersByTime(5000);
    });
    expect(load).toHaveBeenCalledTimes(1);
  });
});
