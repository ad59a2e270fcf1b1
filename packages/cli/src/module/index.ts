export * from './actions';
export * from './format';
