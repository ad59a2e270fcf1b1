export * from './model';
export * from './loadTimeline';
export * from './EntityTimeline';
