export * from './types';
export { createDiagnosticsService } from './createDiagnosticsService';
