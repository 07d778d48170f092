"""One long-lived confluent-kafka-python (librdkafka 2.0.2) group member for
test/interop/groups-cooperative.test.ts, with partition.assignment.strategy=cooperative-sticky:
the incremental cooperative rebalance protocol (KIP-429). It subscribes to a topic and commits
every batch synchronously after it has been handed over.

Usage: /usr/bin/python3 -B cooperative_member.py CONFIG_JSON

CONFIG_JSON: {"bootstrap", "topic", "group", "clientId", "sessionTimeoutMs", "heartbeatIntervalMs"}.

It reports on stdout, one JSON object a line, as things happen:
  {"event": "started"}
  {"event": "assigned", "partitions": [..]}  the partitions added (the protocol is incremental)
  {"event": "revoked", "partitions": [..]}   the partitions taken away
  {"event": "records", "records": [..]}
  {"event": "committed", "offsets": {"p": next}}
  {"event": "commitFailed", "error": ".."}
  {"event": "consumerError", "error": ".."}
  {"event": "closed"}
It reads "close" (or the end of stdin) to close the consumer and exit.
"""

import json
import queue
import sys
import threading
import traceback

from brook_interop import consumed
from confluent_kafka import Consumer, KafkaException, TopicPartition

_out_lock = threading.Lock()


def emit(event, **fields):
    fields["event"] = event
    line = json.dumps(fields)
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def read_commands(commands):
    for line in sys.stdin:
        if line.strip() != "":
            commands.put(line.strip())
    commands.put("close")


def main():
    config = json.loads(sys.argv[1])
    topic = config["topic"]
    consumer = Consumer(
        {
            "bootstrap.servers": config["bootstrap"],
            "client.id": config["clientId"],
            "group.id": config["group"],
            "partition.assignment.strategy": "cooperative-sticky",
            "session.timeout.ms": config["sessionTimeoutMs"],
            "heartbeat.interval.ms": config["heartbeatIntervalMs"],
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 100,
        }
    )

    def on_assign(c, partitions):
        emit("assigned", partitions=sorted(tp.partition for tp in partitions))

    def on_revoke(c, partitions):
        emit("revoked", partitions=sorted(tp.partition for tp in partitions))

    consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    commands = queue.Queue()
    threading.Thread(target=read_commands, args=(commands,), daemon=True).start()
    emit("started")
    try:
        while True:
            try:
                if commands.get_nowait() == "close":
                    break
            except queue.Empty:
                pass
            records = []
            for message in consumer.consume(num_messages=500, timeout=0.1):
                if message.error() is not None:
                    emit("consumerError", error=str(message.error()))
                    continue
                records.append(consumed(message.partition(), message.offset(), message.key(), message.value(), message.headers() or []))
            if not records:
                continue
            emit("records", records=records)
            offsets = {}
            for record in records:
                offsets[record["partition"]] = max(offsets.get(record["partition"], 0), record["offset"] + 1)
            try:
                result = consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in sorted(offsets.items())], asynchronous=False)
                failed = [tp for tp in result if tp.error is not None]
                if failed:
                    emit("commitFailed", error="; ".join("%d: %s" % (tp.partition, tp.error) for tp in failed))
                else:
                    emit("committed", offsets={str(p): o for p, o in offsets.items()})
            except KafkaException as exc:
                emit("commitFailed", error=str(exc.args[0]))
    finally:
        consumer.close()
    emit("closed")


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        sys.exit(1)
