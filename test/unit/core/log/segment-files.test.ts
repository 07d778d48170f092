import test from 'ava';
import path from 'node:path';
import { parseSegmentLogName, segmentFileName, segmentPaths, SegmentSuffix } from '../../../../core/log/segment-files.ts';

test('segment files are named by their base offset, zero-padded to 20 digits', (t) => {
  t.is(segmentFileName(0n, SegmentSuffix.LOG), '00000000000000000000.log');
  t.is(segmentFileName(42n, SegmentSuffix.INDEX), '00000000000000000042.index');
  t.is(segmentFileName(1234567890123n, SegmentSuffix.TIME_INDEX), '00000001234567890123.timeindex');
  t.is(segmentFileName(9223372036854775807n, SegmentSuffix.LOG), '09223372036854775807.log', 'the largest int64 offset fits');
  t.is(segmentFileName(5n, SegmentSuffix.LOG + SegmentSuffix.SWAP), '00000000000000000005.log.swap');
});

test('segmentPaths puts the four files of a segment in its directory', (t) => {
  t.deepEqual(segmentPaths('/data/orders-0', 17n), {
    log: path.join('/data/orders-0', '00000000000000000017.log'),
    index: path.join('/data/orders-0', '00000000000000000017.index'),
    timeIndex: path.join('/data/orders-0', '00000000000000000017.timeindex'),
    txnIndex: path.join('/data/orders-0', '00000000000000000017.txnindex'),
  });
});

test('parseSegmentLogName round-trips segmentFileName', (t) => {
  for (const base of [0n, 1n, 99n, 1n << 31n, 1n << 40n, 9223372036854775807n]) {
    t.is(parseSegmentLogName(segmentFileName(base, SegmentSuffix.LOG)), base, String(base));
  }
});

test('parseSegmentLogName ignores every other file name', (t) => {
  for (const name of [
    '00000000000000000000.index',
    '00000000000000000000.timeindex',
    '00000000000000000000.log.swap',
    '00000000000000000000.log.cleaned',
    '0000000000000000000.log', // 19 digits
    '000000000000000000000.log', // 21 digits
    '0000000000000000000a.log',
    '-0000000000000000001.log',
    '00000000000000000000.LOG',
    'x00000000000000000000.log',
    '00000000000000000000.logx',
    'leader-epoch-checkpoint',
    'log-start-offset',
    '.lock',
    '',
  ]) {
    t.is(parseSegmentLogName(name), undefined, JSON.stringify(name));
  }
});
