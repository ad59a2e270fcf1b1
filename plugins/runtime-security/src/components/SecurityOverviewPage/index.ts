export { SecurityOverviewPage } from './SecurityOverviewPage';
export { LegacySecurityOverviewPage } from './LegacySecurityOverviewPage';
