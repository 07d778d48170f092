export { BrookError } from './brook-error.ts';
export { systemClock, systemScheduler, VirtualScheduler } from './scheduler.ts';
export type { Clock, Scheduler, Timer } from './scheduler.ts';
export { ajv, describeAjvError, fieldName, formatAjvErrors } from './ajv.ts';
export type { AjvErrorDescription } from './ajv.ts';
