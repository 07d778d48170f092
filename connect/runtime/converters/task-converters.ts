import type { Converter, HeaderConverter } from '../../api/index.ts';
import type { ValidConnectorConfig } from '../config/validate.ts';

export interface TaskConverters {
  readonly key: Converter;
  readonly value: Converter;
  readonly header: HeaderConverter;
  readonly keyClass: string;
  readonly valueClass: string;
  readonly headerClass: string;
}

/** A task's own converter instances, configured from `key.converter.*` etc. (schemas.enable...). */
export function createTaskConverters(valid: ValidConnectorConfig): TaskConverters {
  const key = valid.keyConverter.plugin.create();
  key.configure({ ...valid.keyConverter.config, 'converter.type': 'key' }, true);
  const value = valid.valueConverter.plugin.create();
  value.configure({ ...valid.valueConverter.config, 'converter.type': 'value' }, false);
  const header = valid.headerConverter.plugin.create();
  header.configure({ ...valid.headerConverter.config, 'converter.type': 'header' });
  return {
    key,
    value,
    header,
    keyClass: valid.keyConverter.plugin.className,
    valueClass: valid.valueConverter.plugin.className,
    headerClass: valid.headerConverter.plugin.className,
  };
}
