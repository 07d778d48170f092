import { BrookError } from '../../core/base/index.ts';

export const BrokerConfigErrorCode = {
  /** The broker configuration (file, flags or object) is unreadable or breaks the schema. */
  INVALID: 'ERR_BROKER_CONFIG',
} as const;
export type BrokerConfigErrorCode = (typeof BrokerConfigErrorCode)[keyof typeof BrokerConfigErrorCode];

/** The broker cannot start with the configuration it was given; the message names every bad field. */
export class BrokerConfigError extends BrookError {
  declare readonly code: BrokerConfigErrorCode;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(BrokerConfigErrorCode.INVALID, message, options);
  }
}
