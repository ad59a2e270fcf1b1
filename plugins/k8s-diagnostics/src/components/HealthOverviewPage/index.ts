export { HealthOverviewPage } from './HealthOverviewPage';
export { LegacyHealthOverviewPage } from './LegacyHealthOverviewPage';
