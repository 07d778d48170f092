#!/usr/bin/env node
import { Command } from 'commander';
import { BrookError } from '../core/base/index.ts';
import { registerBroker } from './commands/broker.ts';
import { registerConnect } from './commands/connect.ts';
import { registerStart } from './commands/start.ts';
import { registerDumpLog } from './commands/dump-log.ts';
import { registerGroups } from './commands/groups.ts';
import { registerTopics } from './commands/topics.ts';
import { registerConsume } from './commands/consume.ts';
import { registerPerfConsume } from './commands/perf-consume.ts';
import { registerPerf } from './commands/perf.ts';
import { registerProduce } from './commands/produce.ts';
import { packageVersion } from './version.ts';

const program = new Command('brook')
  .description('Brook: an event streaming platform that speaks the Apache Kafka protocol')
  .version(packageVersion());

registerStart(program);
registerBroker(program);
registerConnect(program);
registerDumpLog(program);
registerGroups(program);
registerTopics(program);
registerConsume(program);
// Both find or create `perf`, so `perf produce` and `perf consume` share one command.
registerPerfConsume(program);
registerProduce(program);
registerPerf(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // One line with the cause, never a stack trace, for anything the user can fix.
  const message = err instanceof BrookError ? `${err.message} (${err.code})` : err instanceof Error ? err.message : String(err);
  // A broker's error message may span lines; the cause stays on one.
  console.error(`brook: ${message.replace(/\s*\n\s*/g, ' ')}`);
  process.exitCode = 1;
}
