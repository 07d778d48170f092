import test from 'ava';
import { FrameDecoder, JoinBufferPool, ProtocolErrorCode, encodeFrame } from '../../../../core/protocol/index.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';

const payloads = [Buffer.from('first frame'), Buffer.alloc(0), Buffer.from([1, 2, 3, 4, 5, 6, 7]), Buffer.alloc(300, 9)];
const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));

function hexes(frames: readonly Buffer[]): string[] {
  return frames.map((f) => f.toString('hex'));
}

test('encodeFrame prefixes the INT32 size, for one buffer or several', (t) => {
  t.is(encodeFrame(Buffer.from([0xaa, 0xbb])).toString('hex'), '00000002aabb');
  t.is(encodeFrame([Buffer.from([0xaa]), Buffer.from([0xbb, 0xcc])]).toString('hex'), '00000003aabbcc');
  t.is(encodeFrame(Buffer.alloc(0)).toString('hex'), '00000000');
});

test('several frames in one chunk come out in order, as views of the chunk', (t) => {
  const decoder = new FrameDecoder();
  const frames = decoder.push(stream);
  t.deepEqual(hexes(frames), hexes(payloads));
  t.is(frames[0]!.buffer, stream.buffer, 'no copy for a frame inside one chunk');
  t.is(decoder.buffered, 0);
});

test('the stream split at every position (two chunks) gives the same frames', (t) => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const decoder = new FrameDecoder();
    const frames = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
    t.deepEqual(hexes(frames), hexes(payloads), `cut at ${cut}`);
    t.is(decoder.buffered, 0);
  }
});

test('the stream fed one byte at a time gives the same frames', (t) => {
  const decoder = new FrameDecoder();
  const frames: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) frames.push(...decoder.push(stream.subarray(i, i + 1)));
  t.deepEqual(hexes(frames), hexes(payloads));
});

test('the stream split at every pair of positions (three chunks) gives the same frames', (t) => {
  const short = Buffer.concat(payloads.slice(0, 3).map((p) => encodeFrame(p)));
  const expected = hexes(payloads.slice(0, 3));
  for (let a = 0; a <= short.length; a++) {
    for (let b = a; b <= short.length; b++) {
      const decoder = new FrameDecoder();
      const frames = [short.subarray(0, a), short.subarray(a, b), short.subarray(b)].flatMap((c) => decoder.push(c));
      t.deepEqual(hexes(frames), expected, `cuts at ${a}, ${b}`);
    }
  }
});

test('an incomplete frame is held until its last byte arrives', (t) => {
  const decoder = new FrameDecoder();
  const frame = encodeFrame(Buffer.from('hello'));
  t.deepEqual(decoder.push(frame.subarray(0, 6)), []);
  t.is(decoder.buffered, 2);
  t.deepEqual(hexes(decoder.push(frame.subarray(6))), [Buffer.from('hello').toString('hex')]);
});

test('a declared size above the maximum is rejected as soon as the size arrives', (t) => {
  const decoder = new FrameDecoder({ maxFrameSize: 1024 });
  const header = Buffer.alloc(4);
  header.writeInt32BE(1025);
  throwsCode(t, () => decoder.push(header), ProtocolErrorCode.FRAME_TOO_LARGE);
  t.is(decoder.buffered, 0, 'nothing is buffered for the oversized frame');
  throwsCode(t, () => decoder.push(Buffer.alloc(10)), ProtocolErrorCode.FRAME_TOO_LARGE);
});

test('the default maximum is 100 MiB', (t) => {
  const header = Buffer.alloc(4);
  header.writeInt32BE(100 * 1024 * 1024 + 1);
  throwsCode(t, () => new FrameDecoder().push(header), ProtocolErrorCode.FRAME_TOO_LARGE);
  header.writeInt32BE(100 * 1024 * 1024);
  t.deepEqual(new FrameDecoder().push(header), []);
});

test('a negative size is rejected, even split across chunks', (t) => {
  const decoder = new FrameDecoder();
  t.deepEqual(decoder.push(Buffer.from([0xff, 0xff])), []);
  throwsCode(t, () => decoder.push(Buffer.from([0xff, 0xfe])), ProtocolErrorCode.INVALID_LENGTH);
});

test('an empty chunk changes nothing', (t) => {
  const decoder = new FrameDecoder();
  t.deepEqual(decoder.push(Buffer.alloc(0)), []);
  t.is(decoder.buffered, 0);
});

test('a released joined payload is the buffer the next one is joined into; views of a chunk are not taken back', (t) => {
  const decoder = new FrameDecoder({ joinBuffers: new JoinBufferPool(1 << 20) });
  const big = (fill: number): Buffer => Buffer.alloc(100_000, fill);
  const split = (frame: Buffer): Buffer[] => [frame.subarray(0, 1000), frame.subarray(1000)];
  const first = split(encodeFrame(big(1))).flatMap((c) => decoder.push(c));
  t.is(first.length, 1);
  const memory = first[0]!.buffer;
  decoder.release(first[0]!);
  const second = split(encodeFrame(big(2))).flatMap((c) => decoder.push(c));
  t.is(second[0]!.buffer, memory, 'the released buffer is reused');
  t.true(second[0]!.equals(big(2)));
  // Not released: the next payload gets memory of its own, so the one still held keeps its bytes.
  const third = split(encodeFrame(big(3))).flatMap((c) => decoder.push(c));
  t.not(third[0]!.buffer, memory);
  t.true(second[0]!.equals(big(2)));
  t.true(third[0]!.equals(big(3)));

  // A payload inside one chunk is a view of that chunk: releasing it must not make the chunk a join buffer.
  const chunk = encodeFrame(big(4));
  const [view] = decoder.push(chunk);
  decoder.release(view!);
  decoder.release(third[0]!);
  const fourth = split(encodeFrame(big(5))).flatMap((c) => decoder.push(c));
  t.not(fourth[0]!.buffer, chunk.buffer);
  t.true(chunk.subarray(4).equals(big(4)), 'the chunk is untouched');
});

test('without a pool, or above its size, released payloads are not kept', (t) => {
  for (const decoder of [new FrameDecoder(), new FrameDecoder({ joinBuffers: new JoinBufferPool(50_000) })]) {
    const frame = encodeFrame(Buffer.alloc(100_000, 7));
    const [first] = [frame.subarray(0, 10), frame.subarray(10)].flatMap((c) => decoder.push(c));
    decoder.release(first!);
    const [second] = [frame.subarray(0, 10), frame.subarray(10)].flatMap((c) => decoder.push(c));
    t.not(second!.buffer, first!.buffer);
    t.true(second!.equals(frame.subarray(4)));
  }
});

test('small payloads that span chunks are joined without a buffer of their own, and never reused', (t) => {
  const decoder = new FrameDecoder({ joinBuffers: new JoinBufferPool(1 << 20) });
  const frame = encodeFrame(Buffer.from('small frame'));
  const [first] = [frame.subarray(0, 6), frame.subarray(6)].flatMap((c) => decoder.push(c));
  decoder.release(first!);
  const [second] = [frame.subarray(0, 6), frame.subarray(6)].flatMap((c) => decoder.push(c));
  t.is(first!.toString(), 'small frame');
  t.is(second!.toString(), 'small frame');
  t.false(first!.buffer === second!.buffer && first!.byteOffset === second!.byteOffset);
});

test('decoders sharing a pool take turns with one buffer', (t) => {
  const pool = new JoinBufferPool(1 << 20);
  const [a, b] = [new FrameDecoder({ joinBuffers: pool }), new FrameDecoder({ joinBuffers: pool })];
  const frame = (fill: number): Buffer[] => {
    const bytes = encodeFrame(Buffer.alloc(70_000, fill));
    return [bytes.subarray(0, 100), bytes.subarray(100)];
  };
  const [first] = frame(1).flatMap((c) => a.push(c));
  a.release(first!);
  const [second] = frame(2).flatMap((c) => b.push(c));
  t.is(second!.buffer, first!.buffer, 'the other decoder joins into the released buffer');
  // While b holds it, a joins elsewhere.
  const [third] = frame(3).flatMap((c) => a.push(c));
  t.not(third!.buffer, second!.buffer);
  t.true(second!.equals(Buffer.alloc(70_000, 2)));
  t.true(third!.equals(Buffer.alloc(70_000, 3)));
});
