// Types for the parts of injected-time.js that TypeScript code (the lint tests) uses.
import type { Linter } from 'eslint';

export declare const TIMED_FILES: string[];
export declare function injectedTimeConfig(options: {
  files: string[];
  ignores?: string[];
  allowImmediate?: boolean;
  restrictedSyntax?: unknown[];
}): Linter.Config;
