"""Drives confluent-kafka-python (Debian's python3-confluent-kafka on librdkafka 2.0.2) for
test/interop/python.test.ts.

Usage: /usr/bin/python3 confluent_client.py create|produce|consume < request.json
The request and result plumbing (JSON on stdin and stdout, bytes as base64) is in
brook_interop.py.
"""

import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from brook_interop import TIMEOUT_S, consumed, record_headers, run, unb64


def create(req):
    admin = AdminClient({"bootstrap.servers": req["bootstrap"], "client.id": "interop-confluent-admin"})
    futures = admin.create_topics(
        [NewTopic(req["topic"], num_partitions=req["partitions"], replication_factor=1)],
        operation_timeout=TIMEOUT_S,
        request_timeout=TIMEOUT_S,
    )
    errors = []
    for topic, future in futures.items():
        try:
            future.result(timeout=TIMEOUT_S)
            errors.append([topic, None])
        except KafkaException as exc:
            errors.append([topic, exc.args[0].name()])
    metadata = admin.list_topics(topic=req["topic"], timeout=TIMEOUT_S)
    described = metadata.topics[req["topic"]]
    return {
        "errors": errors,
        "partitions": sorted(described.partitions.keys()),
        "brokers": sorted([b.id, b.host, b.port] for b in metadata.brokers.values()),
    }


def produce(req):
    config = {
        "bootstrap.servers": req["bootstrap"],
        "client.id": "interop-confluent-producer",
        "acks": "all",
        "linger.ms": req.get("lingerMs", 5),
        "message.timeout.ms": TIMEOUT_S * 1000,
        "enable.idempotence": req.get("idempotence", False),
        "compression.type": req.get("compression", "none"),
    }
    if req.get("partitioner") is not None:
        config["partitioner"] = req["partitioner"]
    producer = Producer(config)
    reports = [None] * len(req["records"])
    errors = []

    def delivered(index):
        def callback(err, msg):
            if err is not None:
                errors.append("record %d: %s" % (index, err))
            else:
                reports[index] = {"partition": msg.partition(), "offset": msg.offset()}

        return callback

    for index, record in enumerate(req["records"]):
        producer.produce(
            req["topic"],
            key=unb64(record["key"]),
            value=unb64(record["value"]),
            headers=record_headers(record),
            on_delivery=delivered(index),
        )
        producer.poll(0)
    remaining = producer.flush(TIMEOUT_S)
    if remaining != 0 or errors or any(report is None for report in reports):
        raise RuntimeError("delivery failed: %d still queued, errors %r" % (remaining, errors))
    return {"sent": reports}


def consume(req):
    # librdkafka's Consumer insists on a group.id, but assign() does not use the group protocol
    # and nothing is committed.
    consumer = Consumer(
        {
            "bootstrap.servers": req["bootstrap"],
            "client.id": "interop-confluent-consumer",
            "group.id": "interop-assign-only",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 100,
        }
    )
    try:
        metadata = consumer.list_topics(topic=req["topic"], timeout=TIMEOUT_S)
        partitions = sorted(metadata.topics[req["topic"]].partitions.keys())
        consumer.assign([TopicPartition(req["topic"], p, 0) for p in partitions])
        deadline = time.monotonic() + TIMEOUT_S
        records = []
        while len(records) < req["expected"] and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is None:
                continue
            if message.error() is not None:
                raise KafkaException(message.error())
            records.append(
                consumed(message.partition(), message.offset(), message.key(), message.value(), message.headers() or [])
            )
        end_offsets = {}
        for p in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(req["topic"], p), timeout=TIMEOUT_S)
            end_offsets[str(p)] = high
        return {"partitions": partitions, "endOffsets": end_offsets, "records": records}
    finally:
        consumer.close()


if __name__ == "__main__":
    run({"create": create, "produce": produce, "consume": consume})
