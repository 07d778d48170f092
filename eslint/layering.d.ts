// Types for the parts of layering.js that TypeScript code (the lint tests) uses.
import type { Linter } from 'eslint';

export declare const PRODUCTION_FILES: string[];
export declare function layeringConfig(root: string): Linter.Config[];
export declare function noCycleConfig(files: string[]): Linter.Config[];
