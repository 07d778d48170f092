import test from 'ava';
import { LatencyStats } from '../../../cli/commands/perf.ts';

const SUMMARY = /^(\d+) records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\), ([0-9.]+) ms avg latency, ([0-9.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/;

test('the summary line has kafka-producer-perf-test\'s shape, with the average weighted by records', (t) => {
  const stats = new LatencyStats(3);
  stats.record(10, 1);
  stats.record(40, 3);
  stats.record(20, 6);
  const match = SUMMARY.exec(stats.summary(2, 100));
  t.truthy(match);
  const [, records, rate, , avg, max, p50] = match!;
  t.is(records, '10');
  t.is(rate, '5.0');
  t.is(avg, '25.00'); // (10 + 120 + 120) / 10
  t.is(max, '40.00');
  t.is(p50, '20');
});

test('percentiles come from at most 500,000 evenly spread samples; average and maximum count every send', (t) => {
  const sends = 1_200_000;
  const stats = new LatencyStats(sends);
  // Latency grows with the send's index, so a sample that is not evenly spread shows in the median.
  for (let i = 0; i < sends; i++) stats.record(i / 1000, 1);
  const match = SUMMARY.exec(stats.summary(1, 1))!;
  t.is(match[1], String(sends));
  t.is(match[5], ((sends - 1) / 1000).toFixed(2));
  t.is(match[4], ((sends - 1) / 2000).toFixed(2));
  t.true(Math.abs(Number(match[6]) - 600) <= 2, `median ${match[6]}`);
  t.true(Math.abs(Number(match[9]) - 1198) <= 2, `99.9th ${match[9]}`);
});
