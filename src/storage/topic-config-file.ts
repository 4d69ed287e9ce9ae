/**
 * A topic's config overrides, persisted with the topic: `topic.properties` (Java properties
 * syntax, Kafka's names) in each of its partition directories, written atomically. Kafka keeps
 * them in its metadata log; a single broker keeps them beside the data they govern, so they
 * are created and deleted with the topic.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'dot-properties';
import { writeFileAtomic } from './atomic-file.js';

export const TOPIC_CONFIG_FILE = 'topic.properties';

/** The overrides stored in a partition directory; null if the file is absent. */
export function readTopicConfigFile(partitionDir: string): Record<string, string> | null {
  const path = join(partitionDir, TOPIC_CONFIG_FILE);
  if (!existsSync(path)) return null;
  return parse(readFileSync(path, 'utf8')) as Record<string, string>;
}

/** Writes `configs` (may be empty) as the directory's overrides, atomically. Errors: fs errors. */
export function writeTopicConfigFile(partitionDir: string, configs: Record<string, string>): void {
  const body = stringify(configs, { lineWidth: null, keySep: '=' });
  writeFileAtomic(join(partitionDir, TOPIC_CONFIG_FILE), `# topic config overrides (Kafka names)\n${body}\n`);
}
