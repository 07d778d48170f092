import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { Handler } from './handler.ts';
import type { HandlerRegistry } from './registry.ts';

/** ApiVersions: the registry's ranges, so what is advertised is exactly what is answered. */
export function apiVersionsHandler(registry: HandlerRegistry): Handler<typeof ApiKey.API_VERSIONS> {
  return {
    apiKey: ApiKey.API_VERSIONS,
    minVersion: 0,
    maxVersion: 3,
    handle: () => ({ errorCode: ErrorCode.NONE, apiKeys: registry.advertised(), throttleTimeMs: 0 }),
  };
}
