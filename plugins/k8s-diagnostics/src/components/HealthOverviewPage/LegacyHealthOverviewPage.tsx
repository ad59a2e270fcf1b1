import { PeriscopePageLayout } from '@periscope/periscope-react';
import { HealthOverviewPage } from './HealthOverviewPage';

/**
 * The page for a legacy app: inside the page frame (header "Health overview") that the new frontend
 * system's page layout draws from the PageBlueprint's title.
 */
export const LegacyHealthOverviewPage = () => (
  <PeriscopePageLayout title="Health overview">
    <HealthOverviewPage />
  </PeriscopePageLayout>
);
