import { BrookError } from '../../core/base/index.ts';

export const GroupErrorCode = {
  /** The coordinator tried a state change its transition table forbids: a bug in the coordinator. */
  ILLEGAL_TRANSITION: 'ERR_GROUP_ILLEGAL_TRANSITION',
} as const;
export type GroupErrorCode = (typeof GroupErrorCode)[keyof typeof GroupErrorCode];

export class GroupError extends BrookError {
  declare readonly code: GroupErrorCode;

  constructor(code: GroupErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
