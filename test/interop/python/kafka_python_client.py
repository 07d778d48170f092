"""Drives kafka-python 2.0.2 (Debian's python3-kafka) for test/interop/python.test.ts.

Usage: /usr/bin/python3 kafka_python_client.py create|produce|consume < request.json
The request and result plumbing (JSON on stdin and stdout, bytes as base64) is in
brook_interop.py.
"""

import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import BrokerResponseError

from brook_interop import TIMEOUT_S, consumed, record_headers, run, unb64


def create(req):
    admin = KafkaAdminClient(
        bootstrap_servers=req["bootstrap"],
        client_id="interop-kafka-python-admin",
        request_timeout_ms=TIMEOUT_S * 1000,
    )
    try:
        try:
            response = admin.create_topics(
                [NewTopic(name=req["topic"], num_partitions=req["partitions"], replication_factor=1)],
                timeout_ms=TIMEOUT_S * 1000,
            )
        except BrokerResponseError as exc:
            # kafka-python raises the first topic error instead of returning it.
            return {"errors": [[req["topic"], exc.errno]]}
        # topic_errors entries are (topic, error_code) or (topic, error_code, error_message).
        return {"errors": [[entry[0], entry[1]] for entry in response.topic_errors]}
    finally:
        admin.close()


def produce(req):
    producer = KafkaProducer(
        bootstrap_servers=req["bootstrap"],
        client_id="interop-kafka-python-producer",
        acks="all",
        compression_type=req.get("compression"),
        linger_ms=req.get("lingerMs", 0),
        max_block_ms=TIMEOUT_S * 1000,
        request_timeout_ms=TIMEOUT_S * 1000,
    )
    try:
        futures = []
        for record in req["records"]:
            futures.append(
                producer.send(
                    req["topic"], key=unb64(record["key"]), value=unb64(record["value"]), headers=record_headers(record)
                )
            )
        producer.flush(timeout=TIMEOUT_S)
        sent = []
        for future in futures:
            metadata = future.get(timeout=TIMEOUT_S)
            sent.append({"partition": metadata.partition, "offset": metadata.offset})
        return {"sent": sent}
    finally:
        producer.close(timeout=TIMEOUT_S)


def consume(req):
    # group_id=None: no consumer group, no offset commits; partitions are assigned by hand.
    consumer = KafkaConsumer(
        bootstrap_servers=req["bootstrap"],
        client_id="interop-kafka-python-consumer",
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=TIMEOUT_S * 1000 + 1000,
        fetch_max_wait_ms=100,
    )
    try:
        deadline = time.monotonic() + TIMEOUT_S
        partitions = consumer.partitions_for_topic(req["topic"])
        while partitions is None and time.monotonic() < deadline:
            consumer.topics()  # forces a metadata refresh
            partitions = consumer.partitions_for_topic(req["topic"])
        if partitions is None:
            raise RuntimeError("topic %s never appeared in metadata" % req["topic"])
        assigned = [TopicPartition(req["topic"], p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        records = []
        while len(records) < req["expected"] and time.monotonic() < deadline:
            batches = consumer.poll(timeout_ms=200)
            for tp in sorted(batches, key=lambda tp: tp.partition):
                for message in batches[tp]:
                    records.append(
                        consumed(message.partition, message.offset, message.key, message.value, message.headers)
                    )
        end_offsets = consumer.end_offsets(assigned)
        return {
            "partitions": sorted(partitions),
            "endOffsets": {str(tp.partition): end_offsets[tp] for tp in assigned},
            "records": records,
        }
    finally:
        consumer.close(autocommit=False)


if __name__ == "__main__":
    run({"create": create, "produce": produce, "consume": consume})
