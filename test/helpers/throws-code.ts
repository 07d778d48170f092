import type { ExecutionContext } from 'ava';

/** Asserts that `fn` throws an error carrying the stable `code`. */
export function throwsCode(t: ExecutionContext, fn: () => unknown, code: string): void {
  const err: unknown = t.throws(fn);
  t.is((err as { code?: unknown } | undefined)?.code, code, String(err));
}

export async function rejectsCode(t: ExecutionContext, promise: Promise<unknown>, code: string): Promise<void> {
  const err: unknown = await t.throwsAsync(promise);
  t.is((err as { code?: unknown } | undefined)?.code, code, String(err));
}
