import { SerdeError, SerdeErrorCode, bytesSerde, describeSerdeContext, jsonSerde, stringSerde } from '../../client/index.ts';
import type { Serde, SerdeContext } from '../../client/index.ts';

/**
 * Kafka's built-in serdes, encoding exactly as the Java ones do, so a Java or Python consumer
 * reads what a Brook app writes: big-endian integers, IEEE 754 doubles, UTF-8 text, and null
 * (a missing key, a tombstone) stays null without touching the codec.
 */
function fixedWidth<T>(name: string, width: number, write: (buffer: Buffer, value: T) => void, read: (buffer: Buffer) => T): Serde<T> {
  return {
    serialize(value) {
      if (value === null) return null;
      const buffer = Buffer.allocUnsafe(width);
      write(buffer, value);
      return buffer;
    },
    deserialize(data, context?: SerdeContext) {
      if (data === null) return null;
      // Java's deserializers reject any other size ("Size of data received by ... is not 4").
      if (data.length !== width) {
        throw new SerdeError(SerdeErrorCode.DESERIALIZE, `${name} expects ${width} bytes, got ${data.length}${describeSerdeContext(context)}`);
      }
      return read(data);
    },
  };
}

const int32Serde = fixedWidth<number>(
  'Int32',
  4,
  (buffer, value) => {
    if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
      throw new SerdeError(SerdeErrorCode.SERIALIZE, `Int32 cannot encode ${value}: it must be an integer in [-2^31, 2^31-1]`);
    }
    buffer.writeInt32BE(value, 0);
  },
  (buffer) => buffer.readInt32BE(0),
);

const int64Serde = fixedWidth<bigint>(
  'Int64',
  8,
  (buffer, value) => {
    if (typeof value !== 'bigint' || value < -(2n ** 63n) || value >= 2n ** 63n) {
      throw new SerdeError(SerdeErrorCode.SERIALIZE, `Int64 cannot encode ${String(value)}: it must be a bigint in [-2^63, 2^63-1]`);
    }
    buffer.writeBigInt64BE(value, 0);
  },
  (buffer) => buffer.readBigInt64BE(0),
);

const doubleSerde = fixedWidth<number>(
  'Double',
  8,
  (buffer, value) => buffer.writeDoubleBE(value, 0),
  (buffer) => buffer.readDoubleBE(0),
);

/** Kafka's serdes by their Java names (`Serdes.String()`), plus `Json<T>()`. */
export const Serdes = {
  /** UTF-8 text (StringSerializer). */
  String: (): Serde<string> => stringSerde,
  /** Bytes as they are (ByteArraySerializer / BytesSerializer). */
  Bytes: (): Serde<Buffer> => bytesSerde,
  /** 4 bytes, big-endian two's complement (IntegerSerializer). */
  Int32: (): Serde<number> => int32Serde,
  /** Java's name for Int32. */
  Integer: (): Serde<number> => int32Serde,
  /** 8 bytes, big-endian two's complement, as a bigint (LongSerializer). */
  Int64: (): Serde<bigint> => int64Serde,
  /** Java's name for Int64. */
  Long: (): Serde<bigint> => int64Serde,
  /** 8 bytes, IEEE 754 binary64, big-endian (DoubleSerializer). */
  Double: (): Serde<number> => doubleSerde,
  /**
   * JSON text in UTF-8. `T` is what the application promises the topic holds: it is not checked
   * (pass a type guard to the client's `checkedJsonSerde` for that).
   */
  Json: <T = unknown>(): Serde<T> => jsonSerde as Serde<T>,
} as const;
