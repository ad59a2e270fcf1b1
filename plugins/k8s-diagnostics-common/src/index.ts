/**
 * Isomorphic types, permissions and pure logic of the k8s-diagnostics plugin.
 *
 * @packageDocumentation
 */
export * from './permissions';
