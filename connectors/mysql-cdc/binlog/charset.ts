import { TextDecoder as NodeTextDecoder } from 'node:util';

/**
 * Collation ids → character sets, for the ids TABLE_MAP optional metadata carries. Only the
 * charsets whose text the decoder turns into strings are listed one by one; any other id gives
 * its value as bytes, with the collation id beside it for the caller to decode.
 *
 * Sources: MySQL's `SHOW COLLATION` (ids below 324), MariaDB's strings/ctype-*.c: NO PAD
 * variants are the PAD id + 1024, and UCA-14.0.0 collations (2048–4095) carry the charset in
 * bits 8–10 (include/ctype-uca1400.h: "1ccc tttt tPST", utf8mb3=0, utf8mb4=1, ucs2=2, utf16=3,
 * utf32=4).
 */
export type Charset = 'utf8mb4' | 'utf8mb3' | 'latin1' | 'ascii' | 'binary' | 'ucs2' | 'utf16' | 'utf32' | 'other';

export const BINARY_COLLATION = 63;

const LATIN1 = new Set([5, 8, 15, 31, 47, 48, 49, 94]);
const ASCII = new Set([11, 65]);
const UTF8MB3 = new Set([33, 76, 83, 223]);
const UTF8MB4 = new Set([45, 46]);
const UCS2 = new Set([35, 90, 159]);
const UTF16 = new Set([54, 55, 56, 62, 101, 121]);
const UTF32 = new Set([60, 61, 160]);

export function charsetOfCollation(id: number): Charset {
  if (id === BINARY_COLLATION) return 'binary';
  if (id >= 2048 && id <= 4095) {
    switch ((id >> 8) & 0x07) {
      case 0:
        return 'utf8mb3';
      case 1:
        return 'utf8mb4';
      case 2:
        return 'ucs2';
      case 3:
        return 'utf16';
      case 4:
        return 'utf32';
      default:
        return 'other';
    }
  }
  // MariaDB's NO PAD collations sit 1024 above their PAD twin.
  const base = id >= 1024 && id < 2048 ? id - 1024 : id;
  if (UTF8MB4.has(base) || (base >= 224 && base <= 247) || (base >= 255 && base <= 323) || (base >= 608 && base <= 671)) return 'utf8mb4';
  if (UTF8MB3.has(base) || (base >= 192 && base <= 215) || (base >= 576 && base <= 607)) return 'utf8mb3';
  if (LATIN1.has(base)) return 'latin1';
  if (ASCII.has(base)) return 'ascii';
  if (UCS2.has(base) || (base >= 128 && base <= 151)) return 'ucs2';
  if (UTF16.has(base) || (base >= 101 && base <= 124)) return 'utf16';
  if (UTF32.has(base) || (base >= 160 && base <= 183)) return 'utf32';
  return 'other';
}

const utf8 = new TextDecoder('utf-8');

/**
 * MySQL's latin1 is Windows-1252 (strings/ctype-latin1.c): 0x80–0x9F hold €, ‚, ƒ, … rather than
 * C1 controls. Node 20's TextDecoder('windows-1252') decodes as ISO-8859-1, so the 32 differing
 * code points are mapped here; the five bytes cp1252 leaves undefined keep their code points, as
 * MySQL's own conversion does.
 */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

function decodeCp1252(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return /[\u0080-\u009f]/.test(text) ? text.replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80]!)) : text;
}

/**
 * MySQL/MariaDB charset names → WHATWG encoding labels Node's TextDecoder knows (Node ships full
 * ICU). latin1 is cp1252 and utf32 has no WHATWG decoder: both are decoded here.
 */
const ENCODINGS: Readonly<Record<string, string>> = {
  utf8: 'utf-8',
  utf8mb3: 'utf-8',
  utf8mb4: 'utf-8',
  ascii: 'utf-8',
  latin2: 'iso-8859-2',
  latin5: 'iso-8859-9',
  latin7: 'iso-8859-13',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  cp866: 'ibm866',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  tis620: 'windows-874',
  macroman: 'macintosh',
  gbk: 'gbk',
  gb2312: 'gbk',
  gb18030: 'gb18030',
  big5: 'big5',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  ujis: 'euc-jp',
  eucjpms: 'euc-jp',
  euckr: 'euc-kr',
  ucs2: 'utf-16be',
  utf16: 'utf-16be',
  utf16le: 'utf-16le',
};

const decoders = new Map<string, NodeTextDecoder>();

function decoderFor(label: string): NodeTextDecoder {
  let decoder = decoders.get(label);
  if (decoder === undefined) {
    decoder = new NodeTextDecoder(label);
    decoders.set(label, decoder);
  }
  return decoder;
}

/** UTF-32 as MySQL stores it: big-endian code points, 4 bytes each; invalid ones become U+FFFD. */
function decodeUtf32(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  for (let i = 0; i + 4 <= bytes.byteLength; i += 4) {
    const cp = view.getUint32(i, false);
    out += cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\ufffd' : String.fromCodePoint(cp);
  }
  return out;
}

/**
 * Text of a character column from its bytes, by the column's charset name as the DDL or the
 * binlog names it (`latin2`, `cp1251`, `utf16`...). Charsets without a decoder here (dec8, swe7,
 * armscii8...) and unknown ones are read as UTF-8, which their ASCII range agrees with.
 */
export function decodeCharsetText(bytes: Uint8Array, charset: string | undefined): string {
  const name = charset?.toLowerCase();
  if (name === 'latin1') return decodeCp1252(bytes);
  if (name === 'utf32') return decodeUtf32(bytes);
  return decoderFor(ENCODINGS[name ?? 'utf8'] ?? 'utf-8').decode(bytes);
}

/** Text for the charsets read as strings; `undefined` for the rest (the caller keeps the bytes). */
export function decodeText(bytes: Uint8Array, charset: Charset): string | undefined {
  switch (charset) {
    case 'utf8mb4':
    case 'utf8mb3':
    case 'ascii':
      return utf8.decode(bytes);
    case 'latin1':
      return decodeCp1252(bytes);
    case 'binary':
    case 'ucs2':
    case 'utf16':
    case 'utf32':
    case 'other':
      return undefined;
  }
}
