export { ModulesPage } from './ModulesPage';
export { LegacyModulesPage } from './LegacyModulesPage';
