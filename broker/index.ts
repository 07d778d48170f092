export * from './config/broker-config.ts';
export * from './config/errors.ts';
export * from './logger.ts';
export { Broker } from './broker.ts';
export type { BrokerOptions } from './broker.ts';
