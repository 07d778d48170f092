import type { ApiKey } from '../../core/protocol/index.ts';
import { descriptorFor } from '../../core/protocol/index.ts';
import type { Handler } from './handler.ts';

export interface AdvertisedApi {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * The APIs this broker answers. ApiVersions is computed from it, so the broker never
 * advertises an API it has no handler for, nor a version the codec cannot read.
 */
export class HandlerRegistry {
  private readonly handlers = new Map<number, Handler<ApiKey>>();

  register<K extends ApiKey>(handler: Handler<K>): this {
    const descriptor = descriptorFor(handler.apiKey);
    if (descriptor === undefined) throw new Error(`no descriptor for API key ${handler.apiKey}`);
    const [min, max] = descriptor.validVersions;
    if (handler.minVersion < min || handler.maxVersion > max || handler.minVersion > handler.maxVersion) {
      throw new Error(`${descriptor.name} handler range ${handler.minVersion}-${handler.maxVersion} is outside the codec's ${min}-${max}`);
    }
    if (this.handlers.has(handler.apiKey)) throw new Error(`${descriptor.name} is registered twice`);
    this.handlers.set(handler.apiKey, handler);
    return this;
  }

  get(apiKey: number): Handler<ApiKey> | undefined {
    return this.handlers.get(apiKey);
  }

  supports(apiKey: number, apiVersion: number): boolean {
    const handler = this.handlers.get(apiKey);
    return handler !== undefined && apiVersion >= handler.minVersion && apiVersion <= handler.maxVersion;
  }

  advertised(): AdvertisedApi[] {
    return [...this.handlers.values()]
      .map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}
