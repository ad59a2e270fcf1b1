/**
 * Periscope Security: Tetragon runtime findings on the entity page.
 * @packageDocumentation
 */
export { default } from './plugin';
export * from './plugin';
export {
  runtimeSecurityPlugin,
  EntitySecurityContent,
  EntitySecurityCard,
  EntityTimelineContent,
  SecurityOverviewPage,
} from './legacy';
export * from './api';
