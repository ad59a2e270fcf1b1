/**
 * Isomorphic types, permissions and pure logic of the module-deploy plugin.
 *
 * @packageDocumentation
 */
export * from './permissions';
