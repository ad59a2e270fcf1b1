/**
 * The periscope CLI.
 * @packageDocumentation
 */
export { createProgram, runCli } from './program';
