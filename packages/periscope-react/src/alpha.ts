/**
 * Alpha exports of the shared Periscope UI pieces: their translation ref.
 * @packageDocumentation
 */
export { periscopeReactTranslationRef } from './translation';
