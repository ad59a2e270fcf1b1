import type { ReactNode } from 'react';
import { Header, Page } from '@backstage/core-components';

/**
 * The page frame a legacy app (`createApp` from `@backstage/app-defaults`) does not draw around a
 * routed page: Backstage's `Page` with a `Header` carrying the page title, as the new frontend
 * system's page layout draws it from a `PageBlueprint`'s `title`. The Periscope pages
 * (Health overview, Modules, Security overview) are exported for legacy apps inside it, so both
 * kinds of app show the same title in the same place.
 * @public
 */
export function PeriscopePageLayout(props: {
  title: string;
  subtitle?: string;
  themeId?: string;
  children: ReactNode;
}) {
  return (
    <Page themeId={props.themeId ?? 'tool'}>
      <Header title={props.title} subtitle={props.subtitle} />
      {props.children}
    </Page>
  );
}
