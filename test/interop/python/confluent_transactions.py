"""Drives confluent-kafka-python's transactional producer (Debian's python3-confluent-kafka on
librdkafka 2.0.2) for test/interop/transactions-python.test.ts.

Usage: /usr/bin/python3 confluent_transactions.py transact|fence|read < request.json
The plumbing (JSON on stdin and stdout) is in brook_interop.py.
"""

import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from brook_interop import TIMEOUT_S, run


def transactional_producer(req, transactional_id, client_id):
    return Producer(
        {
            "bootstrap.servers": req["bootstrap"],
            "client.id": client_id,
            "transactional.id": transactional_id,
            "transaction.timeout.ms": 60000,
            "linger.ms": 5,
        }
    )


def group_metadata(req):
    """send_offsets_to_transaction takes a consumer's group metadata; this consumer never joins."""
    consumer = Consumer({"bootstrap.servers": req["bootstrap"], "group.id": req["group"], "enable.auto.commit": False})
    return consumer, consumer.consumer_group_metadata()


def transact(req):
    """A committed transaction with offsets, then an aborted one with offsets: what is visible is checked by the test."""
    producer = transactional_producer(req, req["transactionalId"], "interop-confluent-txn")
    producer.init_transactions(TIMEOUT_S)
    consumer, metadata = group_metadata(req)
    try:
        producer.begin_transaction()
        for value in req["committed"]:
            producer.produce(req["topic"], value=value.encode(), partition=0)
        producer.send_offsets_to_transaction([TopicPartition(req["inTopic"], 0, req["committedOffset"])], metadata, TIMEOUT_S)
        producer.commit_transaction(TIMEOUT_S)

        producer.begin_transaction()
        for value in req["aborted"]:
            producer.produce(req["topic"], value=value.encode(), partition=0)
        producer.send_offsets_to_transaction([TopicPartition(req["inTopic"], 0, req["abortedOffset"])], metadata, TIMEOUT_S)
        producer.flush(TIMEOUT_S)
        producer.abort_transaction(TIMEOUT_S)
        committed = consumer.committed([TopicPartition(req["inTopic"], 0)], timeout=TIMEOUT_S)
        return {"groupOffset": committed[0].offset}
    finally:
        consumer.close()


def fence(req):
    """An older instance with an open transaction is fenced by a newer one with the same transactional.id."""
    zombie = transactional_producer(req, req["transactionalId"], "interop-confluent-zombie")
    zombie.init_transactions(TIMEOUT_S)
    zombie.begin_transaction()
    zombie.produce(req["topic"], value=b"zombie", partition=0)
    zombie.flush(TIMEOUT_S)

    fresh = transactional_producer(req, req["transactionalId"], "interop-confluent-fresh")
    fresh.init_transactions(TIMEOUT_S)
    fresh.begin_transaction()
    fresh.produce(req["topic"], value=b"fresh", partition=0)
    fresh.commit_transaction(TIMEOUT_S)

    zombie_error = None
    try:
        zombie.commit_transaction(TIMEOUT_S)
    except KafkaException as exc:
        error = exc.args[0]
        zombie_error = {"name": error.name(), "fatal": error.fatal()}
    return {"zombieError": zombie_error}


def read(req):
    """Every value of partition 0 under an isolation level, polling until it has been idle a while."""
    consumer = Consumer(
        {
            "bootstrap.servers": req["bootstrap"],
            "group.id": "interop-txn-reader",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "isolation.level": req["isolationLevel"],
            "fetch.wait.max.ms": 100,
        }
    )
    try:
        consumer.assign([TopicPartition(req["topic"], 0, 0)])
        values = []
        deadline = time.monotonic() + TIMEOUT_S
        while len(values) < req["expected"] and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is None:
                continue
            if message.error() is not None:
                if message.error().code() == -191:  # _PARTITION_EOF, not an error
                    continue
                raise KafkaException(message.error())
            values.append(message.value().decode())
        # Anything that should not be visible would follow at once: poll a little longer.
        idle_until = time.monotonic() + 1.0
        while time.monotonic() < idle_until:
            message = consumer.poll(0.1)
            if message is not None and message.error() is None:
                values.append(message.value().decode())
        return {"values": values}
    finally:
        consumer.close()


if __name__ == "__main__":
    run({"transact": transact, "fence": fence, "read": read})
