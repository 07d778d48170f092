import fs from 'node:fs';
import path from 'node:path';
import { BrookError } from '../../core/base/index.ts';
import { writeFileAtomic, writeFileAtomicAsync } from '../atomic-write.ts';
import type { TopicConfigs } from './topic-config.ts';

/** What the broker knows about a topic besides its data. */
export interface TopicInfo {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: number;
  readonly configs: TopicConfigs;
}

const FILE_NAME = 'topics.json';
const FORMAT_VERSION = 1;

export class TopicStoreError extends BrookError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_TOPIC_STORE', message, options);
  }
}

/**
 * The topic catalogue on disk: one JSON file in the data directory, replaced atomically
 * (write, fsync, rename) on every change so a crash leaves either the old or the new one.
 * Both writes use the same temporary file: callers must not run two at once.
 */
export class TopicStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, FILE_NAME);
  }

  load(): TopicInfo[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new TopicStoreError(`cannot read the topic catalogue ${this.file}: ${(error as Error).message}`, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new TopicStoreError(
        `the topic catalogue ${this.file} is not valid JSON (${(error as Error).message}); restore it from a backup or delete it to rebuild the topic list from the partition directories`,
        { cause: error },
      );
    }
    return readTopics(parsed, this.file);
  }

  /** Blocks the event loop: only for start-up, before anything is served. */
  save(topics: Iterable<TopicInfo>): void {
    writeFileAtomic(this.file, serialize(topics));
  }

  /** The same replacement on the thread pool, for changes made while the broker serves. */
  saveAsync(topics: Iterable<TopicInfo>): Promise<void> {
    return writeFileAtomicAsync(this.file, serialize(topics));
  }
}

function serialize(topics: Iterable<TopicInfo>): string {
  const sorted = [...topics].sort((a, b) => (a.name < b.name ? -1 : 1));
  return `${JSON.stringify({ version: FORMAT_VERSION, topics: sorted }, null, 2)}\n`;
}

function readTopics(parsed: unknown, file: string): TopicInfo[] {
  const fail = (what: string): never => {
    throw new TopicStoreError(`the topic catalogue ${file} is damaged: ${what}`);
  };
  if (typeof parsed !== 'object' || parsed === null || !('topics' in parsed) || !Array.isArray(parsed.topics)) {
    return fail('expected an object with a "topics" array');
  }
  return (parsed.topics as unknown[]).map((entry, i) => {
    if (typeof entry !== 'object' || entry === null) return fail(`topics[${i}] is not an object`);
    const { name, topicId, partitions, configs } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || typeof topicId !== 'string') return fail(`topics[${i}] lacks a name or topicId`);
    if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1) return fail(`topics[${i}].partitions is not a positive integer`);
    if (typeof configs !== 'object' || configs === null || Object.values(configs).some((v) => typeof v !== 'string')) {
      return fail(`topics[${i}].configs is not a map of strings`);
    }
    return { name, topicId, partitions, configs: configs as Record<string, string> };
  });
}
