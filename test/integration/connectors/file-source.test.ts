import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { SourceTaskContext } from '../../../connect/api/index.ts';
import { VirtualScheduler } from '../../../core/base/index.ts';
import { FileSourceTask } from '../../../connectors/file-source/index.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

/** How many file-system watchers and open files this process holds. */
function watchersAndFiles(): { watchers: number; files: number } {
  const resources = process.getActiveResourcesInfo();
  return { watchers: resources.filter((r) => r === 'FSEventWrap' || r === 'StatWatcher').length, files: resources.filter((r) => r === 'FileHandle').length };
}

test('a task stopped while it starts (as a worker closing at once does) leaves no watcher or file open', async (t) => {
  const dir = tempDir(t);
  fs.mkdirSync(path.join(dir, 'logs'));
  fs.writeFileSync(path.join(dir, 'logs', 'a.log'), 'one\ntwo\n');
  const noop = (): void => undefined;
  const config = { glob: path.join(dir, 'logs', '*.log'), topic: 'lines' };
  const context: SourceTaskContext = {
    scheduler: new VirtualScheduler(),
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: noop },
    configs: config,
    offsetStorageReader: { offset: () => Promise.resolve(null), offsets: (partitions) => Promise.resolve(partitions.map(() => null)) },
  };
  const before = watchersAndFiles();
  for (const order of ['stop during start', 'stop before start'] as const) {
    const task = new FileSourceTask();
    task.initialize(context);
    if (order === 'stop during start') {
      const starting = task.start(config);
      await task.stop();
      await starting;
    } else {
      await task.stop();
      await task.start(config);
    }
    t.deepEqual(watchersAndFiles(), before, order);
  }
});
