import { SignInPage } from '@backstage/core-components';
import type { IdentityProviders } from '@backstage/core-components';
import {
  configApiRef,
  githubAuthApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import {
  SignInPageBlueprint,
  SignInPageProps,
} from '@backstage/plugin-app-react';

const github = {
  id: 'github-auth-provider',
  title: 'GitHub',
  message: 'Sign in with your GitHub account',
  apiRef: githubAuthApiRef,
};

/**
 * The sign-in page offers the providers of `app.signInProviders`: `guest` for local development
 * (app-config.yaml), `github` in production (app-config.production.yaml), so a production portal
 * never shows guest sign-in.
 */
export function PortalSignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const names = config.getOptionalStringArray('app.signInProviders') ?? [
    'guest',
  ];
  const providers: IdentityProviders = [];
  for (const name of names) {
    if (name === 'guest') providers.push('guest');
    else if (name === 'github') providers.push(github);
    else {
      // eslint-disable-next-line no-console
      console.error(
        `app.signInProviders names '${name}', which this portal does not offer: use guest or github`,
      );
    }
  }
  return <SignInPage {...props} providers={providers} />;
}

export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: { loader: async () => PortalSignInPage },
    }),
  ],
});
