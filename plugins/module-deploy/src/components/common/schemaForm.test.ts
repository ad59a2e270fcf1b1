import { SENSITIVE_MASK } from '@periscope/backstage-plugin-module-deploy-common';
import { uiSchemaFor } from './schemaForm';

describe('uiSchemaFor', () => {
  it('shows sensitive fields as password inputs, nested ones too', () => {
    expect(
      uiSchemaFor({
        type: 'object',
        properties: {
          message: { type: 'string', default: 'hi' },
          password: {
            type: 'string',
            default: SENSITIVE_MASK,
            sensitive: true,
          },
          token: { sensitive: true },
          db: {
            type: 'object',
            properties: { pass: { type: 'string', sensitive: true } },
          },
          kubeVersion: { type: 'string', readOnly: true },
        },
      }),
    ).toEqual({
      password: { 'ui:widget': 'password' },
      token: { 'ui:widget': 'password' },
      db: { pass: { 'ui:widget': 'password' } },
      kubeVersion: { 'ui:widget': 'hidden' },
    });
  });
});
