import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type {
  AuditRecord,
  RevisionInfo,
} from '@periscope/backstage-plugin-module-deploy-common';
import { EntitySchema, PreviewResult } from '../../api';
import {
  entityRef,
  fakeApi,
  history,
  renderWith,
  schema,
} from '../../__testUtils__/deployFixtures';

/** A module that marks its common fields, with a nested object and fields Periscope sets. */
const groupedSchema: EntitySchema = {
  ...schema,
  schema: {
    type: 'object',
    properties: {
      kubeVersion: { type: 'string', default: '1.36.3', readOnly: true },
      message: { type: 'string', default: 'Hello World', common: true },
      replicas: { type: 'integer', default: 1, common: true },
      resources: {
        type: 'object',
        description: 'Container resources.',
        properties: {
          cpu: { type: 'string', default: '10m' },
        },
      },
      logLevel: { type: 'string', default: 'info' },
    },
  },
  values: { message: 'v1' },
};

const okPreview = (
  objects: PreviewResult['clusters'][number]['objects'] = [],
): PreviewResult => ({
  status: 'ok',
  valid: true,
  issues: [],
  rendered: [],
  errors: [],
  clusters: [{ cluster: 'local', objects }],
});

const sectionButton = (name: RegExp) =>
  screen
    .queryAllByRole('button', { expanded: false })
    .concat(screen.queryAllByRole('button', { expanded: true }))
    .find(b => name.test(b.textContent ?? ''))!;

describe('EntityDeployContent values form', () => {
  jest.setTimeout(60_000);

  it('shows the common fields first and open, the others in collapsed sections, and what Periscope sets out of the way', async () => {
    const api = fakeApi({ getSchema: async () => groupedSchema });
    await renderWith(api);
    const common = await screen.findByRole('group', {
      name: 'common settings',
    });
    expect(within(common).getByDisplayValue('v1')).toBeInTheDocument();
    expect(within(common).getByDisplayValue('1')).toBeInTheDocument();
    expect(within(common).queryByDisplayValue('10m')).toBeNull();
    expect(sectionButton(/^Resources/)).toHaveAttribute(
      'aria-expanded',
      'false',
    );
    expect(sectionButton(/^Other settings/)).toHaveAttribute(
      'aria-expanded',
      'false',
    );
    expect(sectionButton(/^Set by Periscope \(1\)/)).toHaveAttribute(
      'aria-expanded',
      'false',
    );
    fireEvent.click(sectionButton(/^Resources/));
    expect(sectionButton(/^Resources/)).toHaveAttribute(
      'aria-expanded',
      'true',
    );
    // a change of a common field reaches the preview
    fireEvent.change(within(common).getByDisplayValue('v1'), {
      target: { value: 'v2' },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect(api.preview).toHaveBeenCalledWith(
      entityRef,
      expect.objectContaining({ message: 'v2', resources: { cpu: '10m' } }),
    );
  });

  it('opens a collapsed section when the engine reports an issue in it, next to the field', async () => {
    const preview = jest.fn(
      async (): Promise<PreviewResult> => ({
        ...okPreview(),
        valid: false,
        clusters: [],
        issues: [
          {
            path: 'timoni.instance.config.resources.cpu',
            valuesPath: 'resources.cpu',
            message: 'invalid value "lots" (does not match quantity)',
            positions: [],
          },
        ],
      }),
    );
    await renderWith(
      fakeApi({ getSchema: async () => groupedSchema, preview }),
    );
    await screen.findByDisplayValue('v1');
    expect(sectionButton(/^Resources/)).toHaveAttribute(
      'aria-expanded',
      'false',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Preview' }));
    await waitFor(() =>
      expect(sectionButton(/^Resources/)).toHaveAttribute(
        'aria-expanded',
        'true',
      ),
    );
    expect(sectionButton(/^Resources/).textContent).toContain('has errors');
    // inline, and in the list with its path
    expect(
      screen.getAllByText(/invalid value "lots" \(does not match quantity\)/)
        .length,
    ).toBe(2);
    expect(
      within(screen.getByLabelText('values issues')).getByText('resources.cpu'),
    ).toBeInTheDocument();
  });

  it('edits the values as YAML: starts from what differs from the defaults, says where YAML is invalid, deploys what it parses', async () => {
    const api = fakeApi({
      getSchema: async () => groupedSchema,
      deploy: jest.fn(async (_r, _v, onEvent) => {
        const done = { type: 'done' as const, ok: true, results: [] };
        onEvent(done);
        return done;
      }),
    });
    await renderWith(api);
    await screen.findByDisplayValue('v1');
    await userEvent.click(screen.getByRole('button', { name: 'edit as YAML' }));
    const editor = screen.getByLabelText('values as YAML');
    expect(editor).toHaveValue('message: v1\n');
    fireEvent.change(editor, {
      target: { value: 'message: v2\nreplicas: [3,\n' },
    });
    expect(screen.getByLabelText('yaml problem')).toHaveTextContent(
      /^Invalid YAML at line 3, column 1: .+\. Fix it to preview or deploy/,
    );
    expect(screen.getByRole('button', { name: 'Preview' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Deploy' })).toBeDisabled();
    // the form cannot show what does not parse: the mode stays YAML
    await userEvent.click(screen.getByRole('button', { name: 'edit as form' }));
    expect(screen.getByLabelText('values as YAML')).toBeInTheDocument();
    fireEvent.change(editor, { target: { value: '- a list\n' } });
    expect(screen.getByLabelText('yaml problem')).toHaveTextContent(
      'The values must be a YAML mapping of field names to values (e.g. "replicas: 2"), not a list.',
    );
    fireEvent.change(editor, {
      target: { value: 'message: v2\nreplicas: 3\n' },
    });
    expect(screen.queryByLabelText('yaml problem')).toBeNull();
    const deploy = () => screen.getByRole('button', { name: 'Deploy' });
    await waitFor(() => expect(deploy()).toBeEnabled());
    await userEvent.click(deploy());
    expect(api.deploy).toHaveBeenCalledWith(
      entityRef,
      { message: 'v2', replicas: 3 },
      expect.any(Function),
    );
    // back in the form, with the values typed as YAML
    await userEvent.click(screen.getByRole('button', { name: 'edit as form' }));
    expect(await screen.findByDisplayValue('v2')).toBeInTheDocument();
    expect(screen.getByDisplayValue('3')).toBeInTheDocument();
  });

  it("shows the engine's issues with their path in YAML mode", async () => {
    const preview = jest.fn(
      async (): Promise<PreviewResult> => ({
        ...okPreview(),
        valid: false,
        clusters: [],
        issues: [
          {
            path: 'timoni.instance.config.replicas',
            valuesPath: 'replicas',
            message: 'invalid value 0 (out of bound >0)',
            positions: [],
          },
        ],
      }),
    );
    await renderWith(
      fakeApi({ getSchema: async () => groupedSchema, preview }),
    );
    await screen.findByDisplayValue('v1');
    await userEvent.click(screen.getByRole('button', { name: 'edit as YAML' }));
    fireEvent.change(screen.getByLabelText('values as YAML'), {
      target: { value: 'replicas: 0\n' },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect(preview).toHaveBeenCalledWith(entityRef, { replicas: 0 });
    const issues = await screen.findByLabelText('values issues');
    expect(within(issues).getByText('replicas')).toBeInTheDocument();
    expect(issues).toHaveTextContent(
      'replicas: invalid value 0 (out of bound >0)',
    );
  });

  it('sends the change message with the deploy, and refuses one that is too long', async () => {
    const api = fakeApi({
      deploy: jest.fn(async (_r, _v, onEvent) => {
        const done = { type: 'done' as const, ok: true, results: [] };
        onEvent(done);
        return done;
      }),
    });
    await renderWith(api, undefined, 'checkout-message');
    await screen.findByDisplayValue('v1');
    const message = screen.getByLabelText('change message');
    // the button is re-created when its reason (tooltip) comes and goes: look it up each time
    const deploy = () => screen.getByRole('button', { name: 'Deploy' });
    await waitFor(() => expect(deploy()).toBeEnabled());
    fireEvent.change(message, { target: { value: 'x'.repeat(501) } });
    expect(
      screen.getByText(
        'the change message has 501 characters; shorten it to at most 500',
      ),
    ).toBeInTheDocument();
    expect(deploy()).toBeDisabled();
    fireEvent.change(message, {
      target: { value: '  raise replicas for the sale  ' },
    });
    expect(
      screen.getByText(/Shown in the history and the audit trail\. 27\/500/),
    ).toBeInTheDocument();
    await waitFor(() => expect(deploy()).toBeEnabled());
    await userEvent.click(deploy());
    expect(api.deploy).toHaveBeenCalledWith(
      'component:default/checkout-message',
      expect.objectContaining({ message: 'v1' }),
      expect.any(Function),
      { changeMessage: 'raise replicas for the sale' },
    );
    // a deploy that went through clears it
    await waitFor(() => expect(message).toHaveValue(''));
  });

  it('shows a side-by-side YAML diff of each object that changes, next to the field table', async () => {
    const preview = jest.fn(async () =>
      okPreview([
        {
          id: 'd',
          ref: 'Deployment/shop/checkout',
          apiVersion: 'apps/v1',
          action: 'change',
          changes: [
            { path: 'spec.replicas', op: 'change', before: 1, after: 2 },
          ],
          live: { kind: 'Deployment', spec: { replicas: 1, paused: false } },
          desired: { kind: 'Deployment', spec: { replicas: 2, paused: false } },
        },
        {
          id: 's',
          ref: 'Service/shop/checkout',
          apiVersion: 'v1',
          action: 'unchanged',
          changes: [],
          live: { kind: 'Service' },
          desired: { kind: 'Service' },
        },
      ]),
    );
    await renderWith(fakeApi({ preview }));
    await screen.findByDisplayValue('v1');
    await userEvent.click(screen.getByRole('button', { name: 'Preview' }));
    const diff = await screen.findByRole('region', {
      name: 'yaml diff of Deployment/shop/checkout',
    });
    expect(within(diff).getByText('live')).toBeInTheDocument();
    expect(within(diff).getByText('after deploy')).toBeInTheDocument();
    const changed = diff.querySelector('tr[data-kind="changed"]');
    expect(changed).toHaveTextContent('replicas: 1');
    expect(changed).toHaveTextContent('replicas: 2');
    expect(
      screen.getByLabelText('changes of Deployment/shop/checkout'),
    ).toBeInTheDocument();
    // an unchanged object has no YAML diff
    expect(
      screen.queryByRole('region', {
        name: 'yaml diff of Service/shop/checkout',
      }),
    ).toBeNull();
  });
});

describe('EntityDeployContent history', () => {
  jest.setTimeout(60_000);

  const revision = (n: number, changeMessage?: string): RevisionInfo => ({
    cluster: 'local',
    revision: n,
    appliedAt: `2026-01-${String(n).padStart(2, '0')}`,
    action: 'apply',
    module: { name: 'm', repository: 'r', version: 'v', digest: '' },
    values: { message: `v${n}`, replicas: n },
    objects: [],
    actor: 'user:default/alice',
    ...(changeMessage ? { changeMessage } : {}),
    current: n === 7,
  });
  const audit = (n: number): AuditRecord => ({
    id: n,
    at: `2026-01-${String(n).padStart(2, '0')}T00:00:00Z`,
    actor: 'user:default/alice',
    entityRef,
    cluster: 'local',
    namespace: 'shop',
    instanceName: 'checkout',
    action: 'deploy',
    revision: n,
    result: 'success',
    changeMessage: `change ${n}`,
  });

  it('pages the revisions and the audit trail, and shows each change message', async () => {
    const getHistory = jest.fn(
      async (_ref: string, page?: { limit?: number; offset?: number }) => {
        const offset = page?.offset ?? 0;
        return {
          ...history,
          revisions: [7, 6, 5, 4, 3, 2, 1].map(n =>
            revision(n, n === 7 ? 'raise replicas for the sale' : undefined),
          ),
          audit:
            offset === 0
              ? [20, 19, 18, 17, 16, 15, 14, 13, 12, 11].map(audit)
              : [10, 9].map(audit),
          ...(offset === 0 ? { nextOffset: 10 } : {}),
        };
      },
    );
    await renderWith(fakeApi({ getHistory }));
    expect(
      await screen.findByText('raise replicas for the sale'),
    ).toBeInTheDocument();
    expect(getHistory).toHaveBeenCalledWith(entityRef, {
      limit: 10,
      offset: 0,
    });
    // five revisions a page
    expect(screen.getByLabelText('compare local#3')).toBeInTheDocument();
    expect(screen.queryByLabelText('compare local#2')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Next Page' }));
    expect(await screen.findByLabelText('compare local#2')).toBeInTheDocument();

    const trail = screen.getByLabelText('audit trail');
    expect(within(trail).getByText('change 20')).toBeInTheDocument();
    expect(within(trail).getByText('records 1–10')).toBeInTheDocument();
    expect(within(trail).getByRole('button', { name: 'Newer' })).toBeDisabled();
    await userEvent.click(within(trail).getByRole('button', { name: 'Older' }));
    expect(getHistory).toHaveBeenLastCalledWith(entityRef, {
      limit: 10,
      offset: 10,
    });
    expect(await screen.findByText('change 9')).toBeInTheDocument();
    const older = screen.getByLabelText('audit trail');
    expect(within(older).getByText('records 11–12')).toBeInTheDocument();
    expect(within(older).getByRole('button', { name: 'Older' })).toBeDisabled();
    await userEvent.click(within(older).getByRole('button', { name: 'Newer' }));
    expect(await screen.findByText('change 20')).toBeInTheDocument();
  });

  it('shows the values of two revisions side by side, the older on the left', async () => {
    await renderWith(fakeApi());
    fireEvent.click(await screen.findByLabelText('compare local#2'));
    fireEvent.click(screen.getByLabelText('compare local#1'));
    const side = await screen.findByRole('region', {
      name: 'values side by side',
    });
    expect(within(side).getByText('local#1')).toBeInTheDocument();
    expect(within(side).getByText('local#2')).toBeInTheDocument();
    const changed = side.querySelector('tr[data-kind="changed"]');
    expect(changed).toHaveTextContent('message: v1');
    expect(changed).toHaveTextContent('message: v2');
    expect(side.querySelector('tr[data-kind="added"]')).toHaveTextContent(
      'replicas: 2',
    );
  });
});
