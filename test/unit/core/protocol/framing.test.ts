import test from 'ava';
import { FrameDecoder, ProtocolErrorCode, encodeFrame } from '../../../../core/protocol/index.ts';
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
