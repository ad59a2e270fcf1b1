export { HealthOverviewPage } from './HealthOverviewPage';
