export * from './actions';
export * from './format';
export * from './bundleActions';
