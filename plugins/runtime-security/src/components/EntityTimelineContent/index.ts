export { EntityTimelineContent } from './EntityTimelineContent';
