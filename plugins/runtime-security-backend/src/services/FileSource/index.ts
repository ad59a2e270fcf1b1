/** The FileSource: a Tetragon export file on this replica's disk. */
export * from './types';
export { createFileSource } from './createFileSource';
