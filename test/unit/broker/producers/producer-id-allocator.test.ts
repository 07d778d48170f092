import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { PRODUCER_ID_BLOCK_FILE, PRODUCER_ID_BLOCK_SIZE, ProducerIdAllocator, ProducerStateErrorCode } from '../../../../broker/producers/index.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

function blockEndOnDisk(dir: string): unknown {
  return (JSON.parse(fs.readFileSync(path.join(dir, PRODUCER_ID_BLOCK_FILE), 'utf8')) as { blockEnd?: unknown }).blockEnd;
}

test('ids count up from 0, and a block is on disk before its first id is handed out', (t) => {
  const dir = tempDir(t);
  const allocator = ProducerIdAllocator.open(dir);
  t.false(fs.existsSync(path.join(dir, PRODUCER_ID_BLOCK_FILE)));
  t.is(allocator.next(), 0n);
  t.is(blockEndOnDisk(dir), '1000');
  const ids = Array.from({ length: 2500 }, () => allocator.next());
  t.is(ids[0], 1n);
  t.is(ids.at(-1), 2500n);
  t.is(blockEndOnDisk(dir), '3000');
  t.false(fs.existsSync(path.join(dir, `${PRODUCER_ID_BLOCK_FILE}.tmp`)));
});

test('ids are never handed out twice across reopens', (t) => {
  const dir = path.join(tempDir(t), 'data');
  const seen = new Set<bigint>();
  let last = -1n;
  for (let run = 0; run < 4; run++) {
    const allocator = ProducerIdAllocator.open(dir);
    for (let i = 0; i < 3 + run * 700; i++) {
      const id = allocator.next();
      t.false(seen.has(id), `id ${id} repeated in run ${run}`);
      t.true(id > last);
      seen.add(id);
      last = id;
    }
  }
  // A reopen skips the rest of the previous block rather than trust that it went unused.
  t.is(ProducerIdAllocator.open(dir).next() % PRODUCER_ID_BLOCK_SIZE, 0n);
});

test('a corrupt block file is an error naming the file', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, PRODUCER_ID_BLOCK_FILE);
  for (const content of ['', 'garbage', '{"version":1}', '{"version":2,"blockEnd":"1000"}', '{"version":1,"blockEnd":"-5"}', '{"version":1,"blockEnd":1000}', '{"version":1,"blockEnd":"99999999999999999999"}']) {
    fs.writeFileSync(file, content);
    const err = t.throws(() => ProducerIdAllocator.open(dir), undefined, content);
    t.is((err as { code?: unknown } | undefined)?.code, ProducerStateErrorCode.CORRUPT_ID_BLOCK, content);
    t.true(err.message.includes(file), err.message);
    t.is(fs.readFileSync(file, 'utf8'), content, 'the evidence is left alone');
  }
});
