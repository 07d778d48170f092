import type { ExecutionContext } from 'ava';
import { Admin, Consumer, Producer } from '../../client/index.ts';
import type { ConsumerOptions, ProducerOptions } from '../../client/index.ts';

/** Brook clients of one broker, each connected and closed when the test ends. */
export interface TestClients {
  readonly admin: Admin;
  /** A producer that sends at once (lingerMs 0) unless `options` say otherwise. */
  readonly producer: (options: Partial<ProducerOptions>) => Promise<Producer>;
  /** A consumer that waits at most 100 ms per fetch unless `options` say otherwise. */
  readonly consumer: (options: Partial<ConsumerOptions>) => Promise<Consumer>;
}

export async function testClients(t: ExecutionContext, bootstrap: string): Promise<TestClients> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  t.teardown(() => admin.close());
  await admin.connect();
  return {
    admin,
    producer: async (options) => {
      const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 0, ...options });
      t.teardown(() => producer.close());
      await producer.connect();
      return producer;
    },
    consumer: async (options) => {
      const consumer = new Consumer({ bootstrapServers: bootstrap, maxWaitMs: 100, ...options });
      t.teardown(() => consumer.close());
      await consumer.connect();
      return consumer;
    },
  };
}
