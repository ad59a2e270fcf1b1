import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/test-utils';
import { ValuesJsonSchema } from '@periscope/backstage-plugin-module-deploy-common';
import { ValuesSchemaTable } from './ValuesSchemaTable';

const schema: ValuesJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['image'],
  properties: {
    image: {
      type: 'object',
      properties: {
        repository: { type: 'string', default: 'nginx' },
        pullPolicy: {
          type: 'string',
          enum: ['Always', 'IfNotPresent'],
          default: 'IfNotPresent',
          description: 'When the kubelet pulls the image',
        },
      },
    },
    replicas: { type: 'integer', default: 1, minimum: 1 },
    kubeVersion: { type: 'string', default: '1.36.3', readOnly: true },
  },
};

describe('ValuesSchemaTable', () => {
  it('shows one row per field with type, default, required, description and constraints', async () => {
    await renderInTestApp(
      <ValuesSchemaTable schema={schema} title="Values of web 1.0.0" />,
    );
    const table = screen.getByRole('table', { name: 'Values of web 1.0.0' });
    const rows = within(table)
      .getAllByRole('row')
      .map(r =>
        within(r)
          .getAllByRole(r.querySelector('th') ? 'columnheader' : 'cell')
          .map(c => c.textContent),
      );
    expect(rows).toEqual([
      ['Field', 'Type', 'Default', 'Required', 'Description', 'Constraints'],
      ['image', 'object', '', 'required', '', ''],
      ['image.repository', 'string', '"nginx"', '', '', ''],
      [
        'image.pullPolicy',
        'string',
        '"IfNotPresent"',
        '',
        'When the kubelet pulls the image',
        'one of: "Always", "IfNotPresent"',
      ],
      ['replicas', 'integer', '1', '', '', '>= 1'],
      ['kubeVersioninjected', 'string', '"1.36.3"', '', '', ''],
    ]);
    expect(document.body).not.toHaveTextContent('"$schema"');
  });

  it('shows the raw JSON Schema behind the toggle', async () => {
    await renderInTestApp(<ValuesSchemaTable schema={schema} title="Values" />);
    await userEvent.click(screen.getByLabelText('Raw JSON Schema'));
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    await waitFor(() =>
      expect(document.body).toHaveTextContent(
        '"$schema": "https://json-schema.org/draft/2020-12/schema"',
      ),
    );
    await userEvent.click(screen.getByLabelText('Raw JSON Schema'));
    expect(screen.getByRole('table')).toBeInTheDocument();
  });

  it('says when a module declares no values, or has no schema', async () => {
    const { unmount } = await renderInTestApp(
      <ValuesSchemaTable schema={{ type: 'object' }} title="Values" />,
    );
    expect(
      screen.getByText('This module declares no values.'),
    ).toBeInTheDocument();
    unmount();
    await renderInTestApp(<ValuesSchemaTable title="Values" />);
    expect(screen.getByText(/No values schema/)).toBeInTheDocument();
  });
});
