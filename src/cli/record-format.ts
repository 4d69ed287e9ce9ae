/**
 * How `gregor consume --format` prints records, and how the console tools read escapes.
 *
 * A printf-style format in the manner of kcat's `-f`:
 *
 *   %k key          %K key length (-1 for a null key)
 *   %v value (%s)   %V value length (%S; -1 for a null value)
 *   %h headers as key=value, comma-separated (kcat's form; empty when there are none)
 *   %t topic        %p partition        %o offset        %T timestamp (ms since the epoch)
 *   %%  a literal %
 *
 * Escapes in the format (and in `gregor produce --key-separator`): \n \t \r \0 \\ and \xNN
 * (one byte, two hex digits). A null key or value prints as `null`, as kafka-console-consumer
 * prints it. Keys, values and header values are written as their raw bytes.
 *
 * `--format json` prints one JSON object per line instead (JSON Lines):
 *   {"topic","partition","offset","timestamp","key","value","headers":[{"key","value"}…]}
 * with key/value/header values as UTF-8 strings (null when null; invalid UTF-8 becomes U+FFFD)
 * and headers as a list, so repeated header keys are kept.
 */

/** One consumed record, as the formatter sees it. Units: offset and timestamp (ms) as bigint. */
export interface FormattedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null | undefined;
  value: Buffer | null | undefined;
  headers: ReadonlyMap<Buffer, Buffer | null | undefined> | Iterable<[Buffer, Buffer | null | undefined]>;
}

/** Renders one record as the bytes to write. */
export type RecordFormatter = (record: FormattedRecord) => Buffer;

const NULL = Buffer.from('null');

/**
 * The bytes `text` stands for once \n \t \r \0 \\ and \xNN escapes are replaced. Other
 * characters are UTF-8 encoded. Errors: Error naming a malformed \x escape.
 */
export function unescapeBytes(text: string): Buffer {
  const out: Buffer[] = [];
  let plain = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\' || i === text.length - 1) {
      plain += c;
      continue;
    }
    const next = text[++i]!;
    const simple = ({ n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\' } as Record<string, string>)[next];
    if (simple !== undefined) {
      plain += simple;
    } else if (next === 'x') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`"\\x${hex}" is not a \\xNN escape (two hex digits)`);
      out.push(Buffer.from(plain), Buffer.of(parseInt(hex, 16)));
      plain = '';
      i += 2;
    } else {
      plain += `\\${next}`;
    }
  }
  out.push(Buffer.from(plain));
  return Buffer.concat(out);
}

function headersText(headers: FormattedRecord['headers']): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of headers) {
    if (parts.length > 0) parts.push(Buffer.from(','));
    parts.push(key, Buffer.from('='), value ?? NULL);
  }
  return Buffer.concat(parts);
}

const FIELDS: Record<string, (r: FormattedRecord) => Buffer> = {
  k: (r) => r.key ?? NULL,
  K: (r) => Buffer.from(String(r.key == null ? -1 : r.key.length)),
  v: (r) => r.value ?? NULL,
  s: (r) => r.value ?? NULL,
  V: (r) => Buffer.from(String(r.value == null ? -1 : r.value.length)),
  S: (r) => Buffer.from(String(r.value == null ? -1 : r.value.length)),
  h: (r) => headersText(r.headers),
  t: (r) => Buffer.from(r.topic),
  p: (r) => Buffer.from(String(r.partition)),
  o: (r) => Buffer.from(String(r.offset)),
  T: (r) => Buffer.from(String(r.timestamp)),
};

function jsonLine(r: FormattedRecord): Buffer {
  const text = (b: Buffer | null | undefined) => (b == null ? null : b.toString('utf8'));
  const headers = [...r.headers].map(([key, value]) => ({ key: key.toString('utf8'), value: text(value) }));
  return Buffer.from(
    `${JSON.stringify({ topic: r.topic, partition: r.partition, offset: Number(r.offset), timestamp: Number(r.timestamp), key: text(r.key), value: text(r.value), headers })}\n`,
  );
}

/**
 * A formatter for `format` (see the file comment), or JSON Lines for `json`.
 * Errors: Error naming an unknown %-placeholder or a malformed escape.
 */
export function recordFormatter(format: string): RecordFormatter {
  if (format === 'json') return jsonLine;
  const pieces: Array<Buffer | ((r: FormattedRecord) => Buffer)> = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      literal += c;
      continue;
    }
    const name = format[++i];
    if (name === '%') {
      literal += '%';
      continue;
    }
    const field = name === undefined ? undefined : FIELDS[name];
    if (!field) throw new Error(`unknown --format placeholder "%${name ?? ''}" (known: %k %K %v %V %s %S %h %t %p %o %T %%)`);
    if (literal) pieces.push(unescapeBytes(literal));
    literal = '';
    pieces.push(field);
  }
  if (literal) pieces.push(unescapeBytes(literal));
  return (r) => Buffer.concat(pieces.map((p) => (Buffer.isBuffer(p) ? p : p(r))));
}
