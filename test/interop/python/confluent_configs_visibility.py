"""Drives confluent-kafka-python's AdminClient, Producer and Consumer (Debian's
python3-confluent-kafka on librdkafka) for test/interop/configs-visibility-python.test.ts:
topic configs on create_topics / describe_configs, and read-your-writes after an acks=1 produce.

Usage: /usr/bin/python3 confluent_configs_visibility.py configs|visibility < request.json
The plumbing (JSON on stdin and stdout) is in brook_interop.py.
"""

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from brook_interop import TIMEOUT_S, run


def create_error(admin, name, config):
    """create_topics for one topic: None on success, else the error's name."""
    futures = admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1, config=config)], request_timeout=TIMEOUT_S)
    try:
        futures[name].result(TIMEOUT_S)
        return None
    except KafkaException as exc:
        return exc.args[0].name()


def configs(req):
    admin = AdminClient({"bootstrap.servers": req["bootstrap"]})
    topic = req["topic"]
    created = create_error(admin, topic, {"message.timestamp.difference.max.ms": "3600000", "cleanup.policy": "delete,compact"})
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    described = admin.describe_configs([resource], request_timeout=TIMEOUT_S)[resource].result(TIMEOUT_S)
    entries = {name: entry.value for name, entry in described.items()}
    unknown = create_error(admin, topic + "-unknown", {"no.such.config": "1"})
    bad_value = create_error(admin, topic + "-bad", {"retention.ms": "abc"})
    return {"createError": created, "configs": entries, "unknownError": unknown, "badValueError": bad_value}


def visibility(req):
    topic = req["topic"]
    producer = Producer({"bootstrap.servers": req["bootstrap"], "acks": 1, "linger.ms": 0})
    consumer = Consumer({"bootstrap.servers": req["bootstrap"], "group.id": "configs-visibility", "enable.auto.commit": False})
    failures = []
    try:
        for i in range(req["rounds"]):
            delivered = []
            producer.produce(topic, value=str(i).encode(), partition=0, on_delivery=lambda err, msg: delivered.append((err, msg)))
            remaining = producer.flush(TIMEOUT_S)
            if remaining != 0 or len(delivered) != 1 or delivered[0][0] is not None:
                raise KafkaException(delivered[0][0] if delivered else "not delivered")
            offset = delivered[0][1].offset()
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=TIMEOUT_S, cached=False)
            if high < offset + 1:
                failures.append({"round": i, "offset": offset, "high": high})
        return {"rounds": req["rounds"], "failures": failures, "finalHigh": high}
    finally:
        consumer.close()


if __name__ == "__main__":
    run({"configs": configs, "visibility": visibility})
