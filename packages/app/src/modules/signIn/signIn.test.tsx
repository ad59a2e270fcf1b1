import { ConfigReader } from '@backstage/config';
import {
  configApiRef,
  discoveryApiRef,
  githubAuthApiRef,
} from '@backstage/core-plugin-api';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { PortalSignInPage } from './index';

// the config the test app's own APIs need, plus the portal's sign-in setting
const page = (app: object) => {
  const config = new ConfigReader({
    app: { title: 'Portal', ...app },
    backend: { baseUrl: 'http://localhost:7007' },
  });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [configApiRef, config],
        [
          discoveryApiRef,
          {
            getBaseUrl: async (id: string) => `http://localhost:7007/api/${id}`,
          },
        ],
        // signing in is not exercised here: only what the page offers
        [
          githubAuthApiRef,
          { getBackstageIdentity: async () => undefined } as any,
        ],
      ]}
    >
      <PortalSignInPage onSignInSuccess={() => undefined} />
    </TestApiProvider>,
  );
};

describe('PortalSignInPage', () => {
  it('offers GitHub and no guest sign-in when app.signInProviders says github (production)', async () => {
    await page({ signInProviders: ['github'] });
    expect(await screen.findByText('GitHub')).toBeInTheDocument();
    expect(
      screen.getByText('Sign in with your GitHub account'),
    ).toBeInTheDocument();
    expect(screen.queryByText('Guest')).not.toBeInTheDocument();
  });

  it('offers guest sign-in by default (local development)', async () => {
    await page({});
    expect(await screen.findByText('Guest')).toBeInTheDocument();
    expect(screen.queryByText('GitHub')).not.toBeInTheDocument();
  });
});
