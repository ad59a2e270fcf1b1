/**
 * Isomorphic types, permissions and pure logic of the runtime-security plugin.
 *
 * @packageDocumentation
 */
export * from './permissions';
