/**
 * Clickstream routing with Brook Streams: drop bot traffic, then send each click to a topic per
 * section of the site, keyed by user, with a slimmer value.
 *
 *   clicks ──filter(not a bot)──mapValues(slim)──┬─▶ clicks-checkout   (/checkout…)
 *                                                 ├─▶ clicks-product    (/product…)
 *                                                 └─▶ clicks-other      (everything else)
 *
 * Run against a broker (`brook start`, or any Kafka cluster):
 *   node --import=tsx examples/clickstream-routing.ts [bootstrap=localhost:9092]
 * It creates the topics if they are missing, writes a few sample clicks, runs the app until every
 * sample click has been routed, prints where each went, and closes the app.
 */
import { Admin, Consumer, Producer } from '../client/index.ts';
import { KafkaStreams, Serdes, StreamsBuilder } from '../streams/index.ts';

interface Click {
  readonly user: string;
  readonly page: string;
  readonly userAgent: string;
  readonly at: number;
}

const bootstrap = process.argv[2] ?? 'localhost:9092';
const SECTIONS = { checkout: 'clicks-checkout', product: 'clicks-product', other: 'clicks-other' } as const;

const isBot = (click: Click): boolean => /bot|crawler|spider/i.test(click.userAgent);
const sectionTopic = (page: string): string =>
  page.startsWith('/checkout') ? SECTIONS.checkout : page.startsWith('/product') ? SECTIONS.product : SECTIONS.other;

// The topology: what the app does to every record.
const builder = new StreamsBuilder();
builder
  .stream('clicks', { keySerde: Serdes.String(), valueSerde: Serdes.Json<Click>() })
  .filter((_user, click) => click !== null && !isBot(click))
  .mapValues((click) => ({ page: click!.page, at: click!.at }))
  .to((_user, click) => sectionTopic(click.page), { keySerde: Serdes.String(), valueSerde: Serdes.Json<{ page: string; at: number }>() });

// Sample traffic, so the example shows something on an empty cluster.
const samples: Click[] = [
  { user: 'ana', page: '/product/42', userAgent: 'Firefox', at: 1 },
  { user: 'bo', page: '/', userAgent: 'Googlebot/2.1', at: 2 },
  { user: 'ana', page: '/checkout/cart', userAgent: 'Firefox', at: 3 },
  { user: 'cy', page: '/about', userAgent: 'Safari', at: 4 },
  { user: 'cy', page: '/product/7', userAgent: 'Safari', at: 5 },
  { user: 'ana', page: '/checkout/pay', userAgent: 'Firefox', at: 6 },
];
const routed = samples.filter((c) => !isBot(c));

const admin = new Admin({ bootstrapServers: bootstrap });
await admin.connect();
const existing = new Set(await admin.listTopics());
const wanted = ['clicks', ...Object.values(SECTIONS)].filter((t) => !existing.has(t));
if (wanted.length > 0) await admin.createTopics(wanted.map((topic) => ({ topic, numPartitions: 2 })));
await admin.close();

// Where the outputs stand now, so only this run's records are awaited.
const reader = new Consumer({ bootstrapServers: bootstrap });
await reader.connect();
const outputs: { topic: string; partition: number }[] = [];
for (const topic of Object.values(SECTIONS)) for (const partition of await reader.partitionsFor(topic)) outputs.push({ topic, partition });
await reader.assign(outputs);

const producer = new Producer({ bootstrapServers: bootstrap });
await producer.connect();
await producer.sendBatch(samples.map((click) => ({ topic: 'clicks', key: click.user, value: JSON.stringify(click) })));
await producer.close();

const app = new KafkaStreams(builder.build(), { applicationId: 'clickstream-routing', bootstrapServers: bootstrap });
app.setStateListener((state, previous) => {
  console.log(`app: ${previous} -> ${state}`);
});
await app.start();

// Read the section topics until every sample click this run wrote has arrived.
const seen = new Set<number>();
for await (const batch of reader) {
  for (const record of batch.records) {
    const value = JSON.parse(record.value!.toString('utf8')) as { page: string; at: number };
    if (!routed.some((c) => c.at === value.at) || seen.has(value.at)) continue;
    seen.add(value.at);
    console.log(`${record.key!.toString('utf8')} ${value.page} -> ${batch.topic}`);
  }
  if (seen.size === routed.length) break;
}
await reader.close();
await app.close();
console.log(`routed ${seen.size} clicks, dropped ${samples.length - routed.length} from bots`);
