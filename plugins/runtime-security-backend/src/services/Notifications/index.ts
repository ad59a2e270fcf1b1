/** Notifications of new findings to their entities' owners. */
export * from './types';
export {
  createFindingNotifier,
  NOTIFICATION_TOPIC,
  SECURITY_NOTIFICATIONS_ANNOTATION,
} from './createFindingNotifier';
