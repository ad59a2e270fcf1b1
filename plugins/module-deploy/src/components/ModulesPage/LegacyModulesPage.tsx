import { PeriscopePageLayout } from '@periscope/periscope-react';
import { ModulesPage } from './ModulesPage';

/**
 * The page for a legacy app: inside the page frame (header "Modules") that the new frontend
 * system's page layout draws from the PageBlueprint's title.
 */
export const LegacyModulesPage = () => (
  <PeriscopePageLayout title="Modules">
    <ModulesPage />
  </PeriscopePageLayout>
);
