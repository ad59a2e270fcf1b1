import { PeriscopePageLayout } from '@periscope/periscope-react';
import { SecurityOverviewPage } from './SecurityOverviewPage';

/**
 * The page for a legacy app: inside the page frame (header "Security overview") that the new frontend
 * system's page layout draws from the PageBlueprint's title.
 */
export const LegacySecurityOverviewPage = () => (
  <PeriscopePageLayout title="Security overview">
    <SecurityOverviewPage />
  </PeriscopePageLayout>
);
