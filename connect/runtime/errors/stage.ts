/** Kafka's errors Stage: where in a task a record failed (the `__connect.errors.stage` header). */
export const Stage = {
  KEY_CONVERTER: 'KEY_CONVERTER',
  VALUE_CONVERTER: 'VALUE_CONVERTER',
  HEADER_CONVERTER: 'HEADER_CONVERTER',
  TRANSFORMATION: 'TRANSFORMATION',
  TASK_PUT: 'TASK_PUT',
  TASK_POLL: 'TASK_POLL',
  KAFKA_PRODUCE: 'KAFKA_PRODUCE',
  KAFKA_CONSUME: 'KAFKA_CONSUME',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];
