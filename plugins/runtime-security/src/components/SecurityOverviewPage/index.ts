export { SecurityOverviewPage } from './SecurityOverviewPage';
