import test from 'ava';
import { collidingTopic, collisionKey, MAX_TOPIC_NAME_LENGTH, topicNameProblem } from '../../../../broker/topics/topic-name.ts';

test('legal names have no problem', async (t) => {
  for (const name of ['a', 'orders', 'orders.v1', 'A-Z_a-z.0-9', '...', '.hidden', '__consumer_offsets', 'x'.repeat(249)]) {
    t.is(topicNameProblem(name), undefined, name);
  }
  t.is(MAX_TOPIC_NAME_LENGTH, 249);
});

test('an empty name is refused', async (t) => {
  t.regex(topicNameProblem('') ?? '', /empty/);
});

test('"." and ".." are refused, other all-dot names are not', async (t) => {
  t.regex(topicNameProblem('.') ?? '', /"\."/);
  t.regex(topicNameProblem('..') ?? '', /"\.\."/);
  t.is(topicNameProblem('...'), undefined);
});

test('names longer than 249 characters are refused, and the message gives both lengths', async (t) => {
  const problem = topicNameProblem('x'.repeat(250)) ?? '';
  t.regex(problem, /250/);
  t.regex(problem, /249/);
});

test('characters other than ASCII letters, digits, ".", "_" and "-" are refused', async (t) => {
  for (const name of ['a b', 'a/b', 'a:b', 'a,b', 'ä', 'a\nb', 'a*', 'tab\t', 'a+b']) {
    const problem = topicNameProblem(name);
    t.truthy(problem, JSON.stringify(name));
    t.true(problem!.includes(`"${name}"`), problem);
    t.true(problem!.includes("'.', '_' and '-'"), problem);
  }
});

test('the collision key maps every "." to "_"', async (t) => {
  t.is(collisionKey('a.b.c'), 'a_b_c');
  t.is(collisionKey('a_b'), 'a_b');
  t.is(collisionKey('plain'), 'plain');
});

test('a name collides with an existing different name that has the same key', async (t) => {
  t.is(collidingTopic('a.b', ['x', 'a_b']), 'a_b');
  t.is(collidingTopic('a_b', new Set(['a.b'])), 'a.b');
  t.is(collidingTopic('a.b_c', ['a_b.c']), 'a_b.c');
  t.is(collidingTopic('a.b.c', ['a_b_c']), 'a_b_c', 'every dot counts, not just the first');
});

test('a name does not collide with itself or with names of a different key', async (t) => {
  t.is(collidingTopic('a.b', ['a.b']), undefined);
  t.is(collidingTopic('a.b', ['ab', 'a-b', 'a.b.c', 'A_B']), undefined);
  t.is(collidingTopic('a.b', []), undefined);
  function* names(): Generator<string> {
    yield 'first';
    yield 'a_b';
  }
  t.is(collidingTopic('a.b', names()), 'a_b', 'any iterable will do');
});
