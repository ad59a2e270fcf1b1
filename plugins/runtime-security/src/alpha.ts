/**
 * Alpha exports of Periscope Security: its translation ref.
 * @packageDocumentation
 */
export { runtimeSecurityTranslationRef } from './translation';
