/**
 * Alpha exports of Periscope Deploy: its translation ref.
 * @packageDocumentation
 */
export { moduleDeployTranslationRef } from './translation';
