export * from './SecurityService';
