import test from 'ava';
import { describeConsumerAssignment } from '../../../../broker/groups/index.ts';
import { encodeConsumerAssignment } from '../../../../core/protocol/index.ts';

test("the 'group stable' log line names each consumer-protocol partition, and shows other bytes by size", (t) => {
  const assignment = encodeConsumerAssignment({ topics: [{ topic: 'a', partitions: [2, 0] }, { topic: 'b', partitions: [1] }], userData: Buffer.from('x') });
  t.deepEqual(describeConsumerAssignment(assignment), ['a-2', 'a-0', 'b-1']);
  t.deepEqual(describeConsumerAssignment(Buffer.alloc(0)), []);
  // Another protocol type's assignment (or a truncated one) is not taken apart.
  t.deepEqual(describeConsumerAssignment(Buffer.from('{"connect":true}')), ['(16 bytes)']);
  t.deepEqual(describeConsumerAssignment(assignment.subarray(0, 9)), ['(9 bytes)']);
});
