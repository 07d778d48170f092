import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BrookError } from '../core/base/index.ts';
import { writeFileAtomic } from './atomic-write.ts';

const FILE_NAME = 'meta.properties';

/**
 * The data directory's identity, in Kafka's `meta.properties` form: the cluster id is
 * made once and kept, so clients that cache it see the same cluster after a restart.
 */
export function loadOrCreateClusterId(dataDir: string): string {
  const file = path.join(dataDir, FILE_NAME);
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    const match = /^cluster\.id=(.+)$/m.exec(text);
    if (match === null) {
      throw new BrookError('ERR_CLUSTER_META', `${file} has no cluster.id line; restore it, or delete it to give this data directory a new cluster id`);
    }
    return match[1]!.trim();
  }
  // Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding.
  const clusterId = randomBytes(16).toString('base64url');
  writeFileAtomic(file, `version=1\ncluster.id=${clusterId}\n`);
  return clusterId;
}
