/**
 * Alpha exports of Periscope Health: its translation ref.
 * @packageDocumentation
 */
export { k8sDiagnosticsTranslationRef } from './translation';
