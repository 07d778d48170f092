export { BrookError } from './brook-error.ts';
