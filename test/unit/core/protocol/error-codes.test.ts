import test from 'ava';
import { ErrorCode, errorCodeInfo, errorCodeTable } from '../../../../core/protocol/index.ts';

test('the table covers -1 through 127 without gaps, each code once', (t) => {
  const codes = Object.values(ErrorCode);
  t.is(new Set(codes).size, codes.length);
  for (let code = -1; code <= 127; code++) t.true(errorCodeTable.has(code), `code ${code}`);
  t.is(errorCodeTable.size, 129);
});

test('well-known codes have Kafka’s numbers', (t) => {
  // Cross-checked against the codes the protocol notes and the message specs name.
  t.is(ErrorCode.NONE, 0);
  t.is(ErrorCode.OFFSET_OUT_OF_RANGE, 1);
  t.is(ErrorCode.CORRUPT_MESSAGE, 2);
  t.is(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 3);
  t.is(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
  t.is(ErrorCode.MESSAGE_TOO_LARGE, 10);
  t.is(ErrorCode.NOT_COORDINATOR, 16);
  t.is(ErrorCode.ILLEGAL_GENERATION, 22);
  t.is(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 23);
  t.is(ErrorCode.UNKNOWN_MEMBER_ID, 25);
  t.is(ErrorCode.INVALID_SESSION_TIMEOUT, 26);
  t.is(ErrorCode.REBALANCE_IN_PROGRESS, 27);
  t.is(ErrorCode.INVALID_TIMESTAMP, 32);
  t.is(ErrorCode.UNSUPPORTED_VERSION, 35);
  t.is(ErrorCode.TOPIC_ALREADY_EXISTS, 36);
  t.is(ErrorCode.INVALID_REQUEST, 42);
  t.is(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 45);
  t.is(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, 46);
  t.is(ErrorCode.INVALID_PRODUCER_EPOCH, 47);
  t.is(ErrorCode.INVALID_TRANSACTION_TIMEOUT, 50);
  t.is(ErrorCode.CONCURRENT_TRANSACTIONS, 51);
  t.is(ErrorCode.UNKNOWN_PRODUCER_ID, 59);
  t.is(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 76);
  t.is(ErrorCode.MEMBER_ID_REQUIRED, 79);
  t.is(ErrorCode.FENCED_INSTANCE_ID, 82);
  t.is(ErrorCode.INVALID_RECORD, 87);
  t.is(ErrorCode.UNSTABLE_OFFSET_COMMIT, 88);
  t.is(ErrorCode.PRODUCER_FENCED, 90);
  t.is(ErrorCode.UNKNOWN_TOPIC_ID, 100);
  t.is(ErrorCode.TRANSACTION_ABORTABLE, 120);
});

test('retriable follows Kafka’s exception classes', (t) => {
  t.true(errorCodeInfo(ErrorCode.NOT_LEADER_OR_FOLLOWER).retriable);
  t.true(errorCodeInfo(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS).retriable);
  t.true(errorCodeInfo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).retriable);
  t.true(errorCodeInfo(ErrorCode.REQUEST_TIMED_OUT).retriable);
  t.false(errorCodeInfo(ErrorCode.NONE).retriable);
  t.false(errorCodeInfo(ErrorCode.REBALANCE_IN_PROGRESS).retriable);
  t.false(errorCodeInfo(ErrorCode.MESSAGE_TOO_LARGE).retriable);
  t.false(errorCodeInfo(ErrorCode.PRODUCER_FENCED).retriable);
});

test('lookups give the name; an unknown code reads as UNKNOWN_SERVER_ERROR', (t) => {
  t.deepEqual(errorCodeInfo(35), { code: 35, name: 'UNSUPPORTED_VERSION', retriable: false });
  t.is(errorCodeInfo(9999).name, 'UNKNOWN_SERVER_ERROR');
  t.true(Object.isFrozen(errorCodeInfo(3)));
});
