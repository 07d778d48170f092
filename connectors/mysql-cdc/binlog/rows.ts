import { ByteReader } from './byte-reader.ts';
import { ColumnType } from './column-type.ts';
import { malformed } from './errors.ts';
import { readColumnValue } from './row-values.ts';
import type { RowChange, RowImage, RowsKind, TableMap } from './types.ts';

export interface RowsHeader {
  readonly tableId: number;
  readonly flags: number;
}

export function readRowsHeader(r: ByteReader, tableIdSize: number, version: number): RowsHeader {
  const tableId = r.uintLE(tableIdSize, 'table id');
  const flags = r.u16('flags');
  if (version === 2) {
    // extra_row_info: its length counts its own two bytes. Its content (NDB data, partition
    // ids) says nothing about the row values.
    const extraLength = r.u16('extra data length');
    if (extraLength < 2) throw malformed(`rows extra data length ${extraLength} is below 2`);
    r.skip(extraLength - 2, 'rows extra data');
  }
  return { tableId, flags };
}

export interface RowsBody {
  readonly columnsPresent: boolean[];
  readonly columnsPresentAfter: boolean[] | undefined;
  readonly rows: RowChange[];
}

function readBitmap(r: ByteReader, count: number, what: string): boolean[] {
  const bytes = r.view((count + 7) >> 3, what);
  const bits = new Array<boolean>(count);
  for (let i = 0; i < count; i++) bits[i] = (bytes[i >> 3]! & (1 << (i & 7))) !== 0;
  return bits;
}

/**
 * The part of a ROWS event after its header: column count, the bitmap(s) of columns present
 * (two for updates: before and after images), then rows until the end of the body. Each image
 * is a null bitmap over its present columns followed by their non-null values. With
 * binlog_row_image=MINIMAL or NOBLOB an image leaves columns out: they are `undefined`.
 *
 * A PARTIAL_UPDATE_ROWS after-image starts with binlog_row_value_options (lenenc) and, when it
 * has PARTIAL_JSON (1), a bitmap with one bit per JSON column of the table, present or not
 * (mysql-server sql/rpl_record.cc, unpack_row / Bit_reader over partial bits).
 */
export function readRowsBody(input: ByteReader, table: TableMap, kind: RowsKind, partial: boolean, inflate?: Inflate): RowsBody {
  let r = input;
  const count = r.lenenc('column count');
  if (count !== table.columns.length) {
    throw malformed(`rows event has ${count} columns, its table map ${table.database}.${table.table} has ${table.columns.length}`);
  }
  const columnsPresent = readBitmap(r, count, 'columns-present bitmap');
  const columnsPresentAfter = kind === 'update' ? readBitmap(r, count, 'columns-present bitmap (after image)') : undefined;
  // MariaDB's compressed rows events compress only the rows, after the bitmaps.
  if (inflate !== undefined) r = new ByteReader(inflate(r.view(r.remaining, 'compressed rows')));
  const rows: RowChange[] = [];
  while (r.remaining > 0) {
    // A row whose images cover no column takes no bytes: the loop would never reach the end
    // of the body. The server never writes one, so such an event is damaged.
    const before = r.remaining;
    if (kind === 'write') {
      rows.push({ after: readImage(r, table, columnsPresent, false) });
    } else if (kind === 'delete') {
      rows.push({ before: readImage(r, table, columnsPresent, false) });
    } else {
      const beforeImage = readImage(r, table, columnsPresent, false);
      const after = readImage(r, table, columnsPresentAfter!, partial);
      rows.push({ before: beforeImage, after });
    }
    if (r.remaining === before) throw malformed('a row image covers no column, so the rows cannot be read');
  }
  return { columnsPresent, columnsPresentAfter, rows };
}

function readImage(r: ByteReader, table: TableMap, present: readonly boolean[], partialAfterImage: boolean): RowImage {
  const columns = table.columns;
  let partialBits: Uint8Array | undefined;
  if (partialAfterImage) {
    const options = r.lenenc('binlog_row_value_options');
    if ((options & 1) !== 0) {
      let jsonColumns = 0;
      for (const column of columns) if (column.type === ColumnType.JSON) jsonColumns++;
      partialBits = r.view((jsonColumns + 7) >> 3, 'partial JSON bitmap');
    }
  }
  let presentCount = 0;
  for (const p of present) if (p) presentCount++;
  const nulls = r.view((presentCount + 7) >> 3, 'null bitmap');
  const image: RowImage = new Array<RowImage[number]>(columns.length);
  let nullIndex = 0;
  let jsonIndex = 0;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const isJson = column.type === ColumnType.JSON;
    // The partial bitmap counts every JSON column, so the index moves whether or not it is present.
    const partialJson = isJson && partialBits !== undefined && (partialBits[jsonIndex >> 3]! & (1 << (jsonIndex & 7))) !== 0;
    if (isJson) jsonIndex++;
    if (!present[i]) {
      image[i] = undefined;
      continue;
    }
    const isNull = (nulls[nullIndex >> 3]! & (1 << (nullIndex & 7))) !== 0;
    nullIndex++;
    image[i] = isNull ? null : readColumnValue(r, column, partialJson);
  }
  return image;
}

/** Inflates MariaDB-compressed event data within the decoder's size limit. */
export type Inflate = (data: Buffer) => Buffer;
