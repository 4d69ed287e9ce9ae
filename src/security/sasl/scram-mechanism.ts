/**
 * The SCRAM mechanisms Kafka offers (RFC 5802 with SHA-256 of RFC 7677, and SHA-512), their
 * iteration bounds and their type codes in the UserScramCredentials APIs. Platform-neutral:
 * the browser client imports it too.
 */
export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** Kafka's bounds on iterations (ScramMechanism.minIterations / maxIterations). */
export const SCRAM_MIN_ITERATIONS = 4096;
export const SCRAM_MAX_ITERATIONS = 16384;

/** Kafka's mechanism type codes in AlterUserScramCredentials / DescribeUserScramCredentials. */
export const SCRAM_MECHANISM_TYPE: Readonly<Record<ScramMechanism, number>> = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 };

export function isScramMechanism(name: string): name is ScramMechanism {
  return name === 'SCRAM-SHA-256' || name === 'SCRAM-SHA-512';
}

export function scramMechanismOfType(type: number): ScramMechanism | null {
  return type === 1 ? 'SCRAM-SHA-256' : type === 2 ? 'SCRAM-SHA-512' : null;
}
