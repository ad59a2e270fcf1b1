import {
  act,
  fireEvent,
  renderHook,
  screen,
  waitFor,
} from '@testing-library/react';
import { TestApiProvider } from '@backstage/test-utils';
import { SignalApi, signalApiRef } from '@backstage/plugin-signals-react';
import { ReactNode } from 'react';
import { EntityDeployState } from '../../api';
import {
  deployedState,
  entityRef,
  fakeApi,
  renderWith,
} from '../../__testUtils__/deployFixtures';
import { useEntityState } from './useEntityState';

/** Makes the page hidden or visible, as the browser does when its tab is switched. */
function setHidden(hidden: boolean) {
  Object.defineProperty(document, 'hidden', {
    configurable: true,
    get: () => hidden,
  });
  document.dispatchEvent(new Event('visibilitychange'));
}

describe('the Deploy tab asks once and refreshes in the background', () => {
  jest.setTimeout(60_000);
  afterEach(() => setHidden(false));

  it('asks for the instances, the values and the history at once: none waits for another', async () => {
    let release: (s: EntityDeployState) => void = () => {};
    const api = fakeApi({
      getEntity: jest.fn(
        () =>
          new Promise<EntityDeployState>(r => {
            release = r;
          }),
      ),
    });
    await renderWith(api, undefined, 'at-once');
    // the instances are not answered yet, the other two were asked for already
    await waitFor(() => expect(api.getEntity).toHaveBeenCalledTimes(1));
    expect(api.getSchema).toHaveBeenCalledTimes(1);
    expect(api.getHistory).toHaveBeenCalledTimes(1);
    expect(api.getHistory).toHaveBeenCalledWith('component:default/at-once', {
      limit: 10,
      offset: 0,
    });
    act(() => release(deployedState));
    expect(await screen.findByText('Instances')).toBeInTheDocument();
    // the cards used those answers: nothing asked twice
    expect(await screen.findByText('Values')).toBeInTheDocument();
    expect(api.getSchema).toHaveBeenCalledTimes(1);
    expect(api.getHistory).toHaveBeenCalledTimes(1);
  });

  it('shows when the stored state was read from the clusters', async () => {
    const api = fakeApi({
      getEntity: jest.fn(async () => ({
        ...deployedState,
        refreshedAt: '2026-01-01T00:00:00.000Z',
      })),
    });
    await renderWith(api, undefined, 'refreshed-at');
    expect(
      await screen.findByText(
        /As read from the clusters at .*refreshed in the background/,
      ),
    ).toBeInTheDocument();
  });

  it('pages through the instances with "Show more instances"', async () => {
    const instance = deployedState.instances[0];
    const api = fakeApi({
      getEntity: jest.fn(async (_ref: string, page?: { offset?: number }) =>
        page?.offset === 1
          ? {
              ...deployedState,
              instances: [{ ...instance, cluster: 'second' }],
              total: 2,
            }
          : { ...deployedState, total: 2, nextOffset: 1 },
      ),
    });
    await renderWith(api, undefined, 'paged');
    const more = await screen.findByRole('button', {
      name: 'Show more instances (1 of 2)',
    });
    expect(screen.queryByText('second')).not.toBeInTheDocument();
    fireEvent.click(more);
    expect(await screen.findByText('second')).toBeInTheDocument();
    expect(api.getEntity).toHaveBeenLastCalledWith(entityRef, { offset: 1 });
    expect(
      screen.queryByRole('button', { name: /Show more instances/ }),
    ).not.toBeInTheDocument();
  });
});

describe('useEntityState', () => {
  afterEach(() => setHidden(false));

  it('asks again every interval while visible, not while hidden, and at once when visible again', async () => {
    const api = fakeApi();
    const { result } = renderHook(() => useEntityState(api, entityRef, 40));
    await waitFor(() => expect(result.current.value).toEqual(deployedState));
    await waitFor(() =>
      expect(
        (api.getEntity as jest.Mock).mock.calls.length,
      ).toBeGreaterThanOrEqual(3),
    );
    setHidden(true);
    const whileHidden = (api.getEntity as jest.Mock).mock.calls.length;
    await new Promise(r => setTimeout(r, 200));
    expect(api.getEntity).toHaveBeenCalledTimes(whileHidden);
    setHidden(false);
    expect(api.getEntity).toHaveBeenCalledTimes(whileHidden + 1);
  });

  it('asks again at once when the backend signals a new read of the entity (Backstage signals)', async () => {
    const listeners = new Map<string, (m: object) => void>();
    const signalApi = {
      subscribe: (channel: string, onMessage: (m: object) => void) => {
        listeners.set(channel, onMessage);
        return { unsubscribe: () => listeners.delete(channel) };
      },
    } as SignalApi;
    const api = fakeApi();
    const wrapper = ({ children }: { children: ReactNode }) => (
      <TestApiProvider apis={[[signalApiRef, signalApi]]}>
        {children}
      </TestApiProvider>
    );
    const { result } = renderHook(() => useEntityState(api, entityRef, 0), {
      wrapper,
    });
    await waitFor(() => expect(result.current.value).toEqual(deployedState));
    expect(api.getEntity).toHaveBeenCalledTimes(1);
    const channel = `module-deploy:${entityRef}`;
    await waitFor(() => expect(listeners.has(channel)).toBe(true));
    act(() =>
      listeners.get(channel)!({
        entityRef,
        refreshedAt: '2026-01-01T00:01:00Z',
      }),
    );
    await waitFor(() => expect(api.getEntity).toHaveBeenCalledTimes(2));
  });

  it('keeps the shown state when a refresh fails, and says why', async () => {
    const getEntity = jest
      .fn()
      .mockResolvedValueOnce(deployedState)
      .mockRejectedValue(new Error('backend restarting'));
    const { result } = renderHook(() =>
      useEntityState(fakeApi({ getEntity }), entityRef, 0),
    );
    await waitFor(() => expect(result.current.value).toEqual(deployedState));
    act(() => result.current.reload());
    await waitFor(() =>
      expect(result.current.refreshError?.message).toBe('backend restarting'),
    );
    expect(result.current.value).toEqual(deployedState);
    expect(result.current.error).toBeUndefined();
  });

  it('reports a failing first answer as the error', async () => {
    const getEntity = jest.fn().mockRejectedValue(new Error('403 denied'));
    const { result } = renderHook(() =>
      useEntityState(fakeApi({ getEntity }), entityRef, 0),
    );
    await waitFor(() =>
      expect(result.current.error?.message).toBe('403 denied'),
    );
    expect(result.current.value).toBeUndefined();
  });
});
