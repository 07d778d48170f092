"""One long-lived consumer-group member for the group interop tests (test/interop/groups-*.test.ts):
a confluent-kafka-python (librdkafka 2.0.2) or kafka-python 2.0.2 consumer that subscribes to a
topic, and after every batch it receives commits the batch's offsets synchronously.

Usage: /usr/bin/python3 -B group_member.py confluent|kafka_python CONFIG_JSON

CONFIG_JSON: {"bootstrap", "topic", "group", "clientId", "sessionTimeoutMs",
"heartbeatIntervalMs", "maxPollIntervalMs"}, and for confluent an optional "assignmentStrategy"
(partition.assignment.strategy): "cooperative-sticky" makes the member follow the incremental
cooperative rebalance protocol (KIP-429), so its "assigned" and "revoked" events name only the
partitions added or taken away rather than its whole assignment.

It reports on stdout, one JSON object a line, as things happen:
  {"event": "started"}
  {"event": "assigned", "partitions": [..]}      rebalance listener, after a SyncGroup
  {"event": "revoked", "partitions": [..]}
  {"event": "records", "records": [..]}          a batch, in arrival order (see brook_interop.consumed)
  {"event": "committed", "offsets": {"p": next}} the synchronous commit of that batch succeeded
  {"event": "commitFailed", "error": ".."}       it failed (a rebalance got in the way)
  {"event": "consumerError", "error": ".."}
  {"event": "closed"}                            close() returned: the member left the group
It reads commands from stdin, one a line: "close" closes the consumer and exits; so does the end
of stdin, so a member never outlives the test that started it.
"""

import json
import queue
import sys
import threading
import traceback

from brook_interop import consumed

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


def next_offsets(records):
    """partition -> the offset after the last record of the batch on that partition."""
    offsets = {}
    for record in records:
        offsets[record["partition"]] = max(offsets.get(record["partition"], 0), record["offset"] + 1)
    return offsets


class ConfluentMember:
    def __init__(self, config):
        from confluent_kafka import Consumer

        self.topic = config["topic"]
        settings = {
            "bootstrap.servers": config["bootstrap"],
            "client.id": config["clientId"],
            "group.id": config["group"],
            "session.timeout.ms": config["sessionTimeoutMs"],
            "heartbeat.interval.ms": config["heartbeatIntervalMs"],
            "max.poll.interval.ms": config["maxPollIntervalMs"],
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 100,
        }
        if "assignmentStrategy" in config:
            settings["partition.assignment.strategy"] = config["assignmentStrategy"]
        self.consumer = Consumer(settings)

        def on_assign(consumer, partitions):
            emit("assigned", partitions=sorted(tp.partition for tp in partitions))

        def on_revoke(consumer, partitions):
            emit("revoked", partitions=sorted(tp.partition for tp in partitions))

        self.consumer.subscribe([self.topic], on_assign=on_assign, on_revoke=on_revoke)

    def poll(self):
        records = []
        for message in self.consumer.consume(num_messages=500, timeout=0.1):
            if message.error() is not None:
                emit("consumerError", error=str(message.error()))
                continue
            records.append(
                consumed(message.partition(), message.offset(), message.key(), message.value(), message.headers() or [])
            )
        return records

    def commit(self, offsets):
        from confluent_kafka import KafkaException, TopicPartition

        try:
            result = self.consumer.commit(
                offsets=[TopicPartition(self.topic, p, o) for p, o in sorted(offsets.items())], asynchronous=False
            )
        except KafkaException as exc:
            return str(exc.args[0])
        failed = [tp for tp in result if tp.error is not None]
        if failed:
            return "; ".join("%d: %s" % (tp.partition, tp.error) for tp in failed)
        return None

    def close(self):
        self.consumer.close()


class KafkaPythonMember:
    def __init__(self, config):
        from kafka import ConsumerRebalanceListener, KafkaConsumer

        if "assignmentStrategy" in config:
            # kafka-python 2.0.2 has no cooperative protocol; ignoring the option would test the wrong thing.
            raise ValueError("assignmentStrategy is for the confluent member only")

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                emit("revoked", partitions=sorted(tp.partition for tp in revoked))

            def on_partitions_assigned(self, assigned):
                emit("assigned", partitions=sorted(tp.partition for tp in assigned))

        self.topic = config["topic"]
        self.consumer = KafkaConsumer(
            bootstrap_servers=config["bootstrap"],
            client_id=config["clientId"],
            group_id=config["group"],
            session_timeout_ms=config["sessionTimeoutMs"],
            heartbeat_interval_ms=config["heartbeatIntervalMs"],
            max_poll_interval_ms=config["maxPollIntervalMs"],
            request_timeout_ms=config["maxPollIntervalMs"] + 5000,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=100,
        )
        self.consumer.subscribe([self.topic], listener=Listener())

    def poll(self):
        records = []
        batches = self.consumer.poll(timeout_ms=100)
        for tp in sorted(batches, key=lambda tp: tp.partition):
            for message in batches[tp]:
                records.append(consumed(message.partition, message.offset, message.key, message.value, message.headers))
        return records

    def commit(self, offsets):
        from kafka import TopicPartition
        from kafka.errors import KafkaError
        from kafka.structs import OffsetAndMetadata

        try:
            self.consumer.commit({TopicPartition(self.topic, p): OffsetAndMetadata(o, "") for p, o in offsets.items()})
        except KafkaError as exc:
            return "%s: %s" % (type(exc).__name__, exc)
        return None

    def close(self):
        self.consumer.close(autocommit=False)


def main():
    client = sys.argv[1]
    config = json.loads(sys.argv[2])
    member = {"confluent": ConfluentMember, "kafka_python": KafkaPythonMember}[client](config)
    commands = queue.Queue()
    threading.Thread(target=read_commands, args=(commands,), daemon=True).start()
    emit("started")
    try:
        while True:
            try:
                command = commands.get_nowait()
            except queue.Empty:
                command = None
            if command == "close":
                break
            if command is not None:
                raise ValueError("unknown command %r" % command)
            records = member.poll()
            if not records:
                continue
            emit("records", records=records)
            offsets = next_offsets(records)
            error = member.commit(offsets)
            if error is None:
                emit("committed", offsets={str(p): o for p, o in offsets.items()})
            else:
                emit("commitFailed", error=error)
    finally:
        member.close()
    emit("closed")


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        sys.exit(1)
