/** The overlay rendered from submitted values: the same rule as the values form's YAML mode. */
export { valuesOverlay } from '@periscope/backstage-plugin-module-deploy-common';
