#!/usr/bin/env node
/**
 * Generates the Kafka wire-protocol codecs in src/protocol/generated/ from Apache Kafka's JSON
 * message definitions (clients/src/main/resources/common/message/*.json).
 *
 * Usage:
 *   node scripts/gen-codecs.mjs [--check] [inputDir] [coordinatorRecordsDir]
 *
 *   inputDir  directory holding *Request.json / *Response.json / RequestHeader.json /
 *             ResponseHeader.json, relative to the current directory (default:
 *             ../shared/kafka-protocol/message relative to the repository root).
 *   --check   generate into a temporary directory and exit 1 if the committed output differs
 *             (missing, extra or changed files). For CI.
 *
 * Outputs:
 *   src/protocol/generated/<kebab-name>.ts      one module per message (types, decode/encode)
 *   src/protocol/generated/api-registry.ts      API metadata, header-version helpers, codecs loaded per API
 *   src/protocol/generated/index.ts             API_DEFINITIONS (every codec loaded), re-exports
 *   test/protocol/fixtures/message-schemas.json normalized schemas, used by the round-trip tests
 *
 * Wire format rules follow docs/protocol.html ("Protocol Primitive Types", flexible versions /
 * KIP-482 tagged fields) and Kafka's own generator (MessageDataGenerator):
 *   - flexible versions use compact strings/bytes/arrays (unsigned varint length + 1) and end
 *     every struct with a tagged-field section; a field-level "flexibleVersions" overrides the
 *     message's for that field (RequestHeader.ClientId is never compact);
 *   - a nullable (non-array) struct field is prefixed by an int8 (-1 = null, 1 = present); a
 *     tagged nullable struct by an unsigned varint (0 = null, 1 = present);
 *   - tagged fields are written (in ascending tag order) only when they differ from their default;
 *     unknown tags are skipped when decoding.
 */
import { readFileSync, writeFileSync, mkdirSync, readdirSync, rmSync, existsSync, mkdtempSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';

const SCRIPT = 'scripts/gen-codecs.mjs';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = 'src/protocol/generated';
const SCHEMA_FIXTURE = 'test/protocol/fixtures/message-schemas.json';

// ---------------------------------------------------------------------------------------------
// Input parsing
// ---------------------------------------------------------------------------------------------

/** Remove `//` line comments (outside of string literals) so the text is valid JSON. */
function stripComments(text) {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[++i] ?? '';
      } else if (c === '"') {
        inString = false;
      }
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

/** Parse a version spec ("3+", "0-4", "5", "none") into { lo, hi } (hi may be Infinity) or null. */
function parseVersions(spec) {
  if (spec === undefined || spec === null) return null;
  const s = String(spec).trim();
  if (s === 'none' || s === '') return null;
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Infinity };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) };
  m = /^(\d+)$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Number(m[1]) };
  throw new Error(`bad version spec ${JSON.stringify(spec)}`);
}

const inRange = (r, v) => r !== null && v >= r.lo && v <= r.hi;
const overlaps = (a, b) => a !== null && b !== null && a.lo <= b.hi && b.lo <= a.hi;
const rangeText = (r) => (r === null ? 'none' : r.hi === Infinity ? `${r.lo}+` : r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`);

const camel = (name) => name[0].toLowerCase() + name.slice(1);
const words = (name) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(' ');
const kebab = (name) => words(name).map((w) => w.toLowerCase()).join('-');
const constCase = (name) => words(name).map((w) => w.toUpperCase()).join('_');

const PRIMITIVES = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records']);
const FIXED_SIZE = { bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, float64: 8, uuid: 16 };
const INT_RANGES = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-(2 ** 53), 2 ** 53],
};
const READ_PRIM = {
  bool: 'readBool',
  int8: 'readInt8',
  int16: 'readInt16',
  uint16: 'readUint16',
  int32: 'readInt32',
  uint32: 'readUint32',
  int64: 'readInt64',
  float64: 'readFloat64',
  uuid: 'readUuid',
};
const WRITE_PRIM = {
  bool: 'writeBool',
  int8: 'writeInt8',
  int16: 'writeInt16',
  uint16: 'writeUint16',
  int32: 'writeInt32',
  uint32: 'writeUint32',
  int64: 'writeInt64',
  float64: 'writeFloat64',
  uuid: 'writeUuid',
};

/** Parse an integer default: decimal, hex (0x..) or octal (0..), optionally negative. */
function parseIntDefault(d, type, where) {
  let v;
  if (typeof d === 'number') v = d;
  else {
    const s = String(d).trim();
    const m = /^(-?)(0x[0-9a-f]+|0[0-7]+|\d+)$/i.exec(s);
    if (!m) throw new Error(`${where}: bad ${type} default ${JSON.stringify(d)}`);
    const body = m[2];
    const mag = /^0x/i.test(body) ? parseInt(body.slice(2), 16) : /^0[0-7]+$/.test(body) ? parseInt(body, 8) : parseInt(body, 10);
    v = m[1] === '-' ? -mag : mag;
  }
  const [lo, hi] = INT_RANGES[type];
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${where}: ${type} default ${d} out of range`);
  return v;
}

/** Load and normalize one message spec. */
function loadMessage(file, inputDir) {
  const raw = JSON.parse(stripComments(readFileSync(join(inputDir, file), 'utf8')));
  const msg = {
    file,
    name: raw.name,
    type: raw.type,
    apiKey: raw.apiKey ?? null,
    valid: parseVersions(raw.validVersions),
    flexible: parseVersions(raw.flexibleVersions),
    latestVersionUnstable: raw.latestVersionUnstable === true,
    listeners: raw.listeners ?? [],
    structs: new Map(), // struct type name -> { name, fields }
    fields: null,
  };
  if (msg.valid === null || msg.valid.hi === Infinity) throw new Error(`${file}: bad validVersions`);

  const pending = [];
  const normFields = (fields, where) => fields.map((f) => normField(f, where));
  const normField = (f, where) => {
    const w = `${file} ${where}.${f.name}`;
    const isArray = f.type.startsWith('[]');
    const base = isArray ? f.type.slice(2) : f.type;
    const isStruct = !PRIMITIVES.has(base);
    if (isStruct && !/^[A-Z]/.test(base)) throw new Error(`${w}: unknown type ${f.type}`);
    if (isArray && (base === 'records' || base === 'bytes')) throw new Error(`${w}: arrays of ${base} unsupported`);
    const field = {
      name: f.name,
      prop: camel(f.name),
      kind: isArray ? 'array' : isStruct ? 'struct' : 'prim',
      base, // primitive name or struct type name
      elemKind: isStruct ? 'struct' : 'prim',
      // A field only some versions tag carries no `versions`: it exists in its tagged versions (Kafka's generator).
      versions: parseVersions(f.versions ?? f.taggedVersions),
      nullable: parseVersions(f.nullableVersions),
      tagged: parseVersions(f.taggedVersions),
      tag: f.tag === undefined ? null : Number(f.tag),
      flexOverride: f.flexibleVersions === undefined ? undefined : parseVersions(f.flexibleVersions),
      default: f.default,
      about: f.about ?? '',
      ignorable: f.ignorable === true,
    };
    if (field.versions === null) throw new Error(`${w}: field has no versions`);
    if ((field.tagged === null) !== (field.tag === null)) throw new Error(`${w}: tag/taggedVersions mismatch`);
    if (field.tagged !== null && base === 'records') throw new Error(`${w}: tagged records unsupported`);
    if (isStruct) {
      if (f.fields) {
        if (msg.structs.has(base)) throw new Error(`${w}: struct ${base} defined twice`);
        msg.structs.set(base, { name: base, fields: null });
        pending.push(() => (msg.structs.get(base).fields = normFields(f.fields, `${where}.${f.name}`)));
      }
    } else if (f.fields) {
      throw new Error(`${w}: primitive field with nested fields`);
    }
    return field;
  };

  for (const cs of raw.commonStructs ?? []) {
    if (msg.structs.has(cs.name)) throw new Error(`${file}: common struct ${cs.name} defined twice`);
    msg.structs.set(cs.name, { name: cs.name, fields: null });
    pending.push(() => (msg.structs.get(cs.name).fields = normFields(cs.fields, cs.name)));
  }
  msg.fields = normFields(raw.fields, raw.name);
  while (pending.length) pending.shift()();

  // Validate struct references and defaults.
  const check = (fields, where) => {
    for (const f of fields) {
      if (f.elemKind === 'struct' && !msg.structs.has(f.base)) throw new Error(`${file} ${where}.${f.name}: unknown struct ${f.base}`);
      if (f.default === 'null' && !typeNullable(f)) throw new Error(`${file} ${where}.${f.name}: null default on non-nullable field`);
    }
  };
  check(msg.fields, msg.name);
  for (const s of msg.structs.values()) check(s.fields, s.name);
  return msg;
}

/** Whether the field's TypeScript type includes null (nullable in some version it exists in). */
function typeNullable(f) {
  if (f.kind === 'prim' && FIXED_SIZE[f.base] !== undefined) return false; // ints, bool, uuid
  if (f.kind === 'prim' && f.base === 'records' && f.nullable === null) return false;
  return overlaps(f.nullable, f.versions);
}

// ---------------------------------------------------------------------------------------------
// Code generation for one message
// ---------------------------------------------------------------------------------------------

class MessageCodegen {
  constructor(msg) {
    this.msg = msg;
    this.groups = new Map(); // `${kind}:${struct}` -> Map(body -> group)
    this.memo = new Map(); // `${kind}:${struct}:${version}` -> token
    this.nextToken = 0;
    this.isDefaultNeeded = new Set();
    this.isDefaultEmitted = new Set();
  }

  ifaceName(structName) {
    if (structName === null) return this.msg.name;
    return structName.startsWith(this.msg.name) ? structName : this.msg.name + structName;
  }

  fieldsOf(structName) {
    return structName === null ? this.msg.fields : this.msg.structs.get(structName).fields;
  }

  isFlexible(v) {
    return inRange(this.msg.flexible, v);
  }

  /** Whether variable-length data of field f uses the compact encoding at version v. */
  fieldFlexible(f, v) {
    if (!this.isFlexible(v)) return false;
    return f.flexOverride === undefined ? true : inRange(f.flexOverride, v);
  }

  elemTsType(f) {
    if (f.elemKind === 'struct') return this.ifaceName(f.base);
    switch (f.base) {
      case 'bool':
        return 'boolean';
      case 'string':
      case 'uuid':
        return 'string';
      case 'bytes':
      case 'records':
        return 'Uint8Array';
      default:
        return 'number';
    }
  }

  tsType(f) {
    const t = f.kind === 'array' ? `${this.elemTsType(f)}[]` : this.elemTsType(f);
    return typeNullable(f) ? `${t} | null` : t;
  }

  /** TypeScript expression for the field's default value (fresh objects for arrays/structs). */
  defaultExpr(f) {
    const d = f.default;
    const where = `${this.msg.file} ${f.name}`;
    if (f.kind === 'array') return d === 'null' ? 'null' : '[]';
    if (f.kind === 'struct') return d === 'null' ? 'null' : `create${this.ifaceName(f.base)}()`;
    switch (f.base) {
      case 'bool':
        return d === true || d === 'true' ? 'true' : 'false';
      case 'float64':
        return d === undefined ? '0' : String(Number(d));
      case 'string':
        return d === 'null' ? 'null' : JSON.stringify(d === undefined ? '' : String(d));
      case 'uuid':
        return 'ZERO_UUID';
      case 'bytes':
        return d === 'null' ? 'null' : 'EMPTY_BYTES';
      case 'records':
        return typeNullable(f) ? 'null' : 'EMPTY_BYTES';
      default:
        return d === undefined ? '0' : String(parseIntDefault(d, f.base, where));
    }
  }

  /** Function token for `kind` ('decode'|'encode') of struct (null = message) at version v. */
  fn(kind, structName, v) {
    const key = `${kind}:${structName}:${v}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const fields = this.fieldsOf(structName);
    const body = kind === 'decode' ? this.decodeBody(structName, fields, v) : this.encodeBody(structName, fields, v);
    const gk = `${kind}:${structName}`;
    let groups = this.groups.get(gk);
    if (!groups) this.groups.set(gk, (groups = new Map()));
    let g = groups.get(body);
    if (!g) {
      g = { kind, structName, body, versions: [], token: `@@F${this.nextToken++}@@` };
      groups.set(body, g);
    }
    g.versions.push(v);
    this.memo.set(key, g.token);
    return g.token;
  }

  // ----- decoding -----

  readScalarExpr(f, v, tagged) {
    const ff = this.fieldFlexible(f, v);
    const nullable = inRange(f.nullable, v);
    if (f.kind === 'struct') {
      const call = `${this.fn('decode', f.base, v)}(r)`;
      if (!nullable) return call;
      return tagged ? `r.readUnsignedVarint() === 0 ? null : ${call}` : `r.readInt8() < 0 ? null : ${call}`;
    }
    return this.readPrimExpr(f.base, ff, nullable);
  }

  readPrimExpr(base, ff, nullable) {
    if (READ_PRIM[base]) return `r.${READ_PRIM[base]}()`;
    const c = ff ? 'Compact' : '';
    if (base === 'string') return nullable ? `r.read${c}NullableString()` : `r.read${c}String()`;
    if (base === 'bytes') return nullable ? `r.read${c}NullableBytes()` : `r.read${c}Bytes()`;
    if (base === 'records') return nullable ? `r.read${c}Records()` : `r.read${c}Bytes()`;
    throw new Error(`no reader for ${base}`);
  }

  /** Lines reading field f at version v into local `target` (declared by the caller if !declare). */
  readLines(f, v, target, declare, tagged, indent) {
    const I = indent;
    if (f.kind !== 'array') {
      const expr = this.readScalarExpr(f, v, tagged);
      return [`${I}${declare ? 'const ' : ''}${target} = ${expr};`];
    }
    const ff = this.fieldFlexible(f, v);
    const nullable = inRange(f.nullable, v);
    const elemType = this.elemTsType(f);
    const elem =
      f.elemKind === 'struct' ? `${this.fn('decode', f.base, v)}(r)` : this.readPrimExpr(f.base, ff, false);
    const lenFn = `r.read${ff ? 'Compact' : ''}${nullable ? 'Nullable' : ''}ArrayLength()`;
    if (declare && !nullable) {
      return [`${I}const ${target}: ${elemType}[] = [];`, `${I}for (let i = 0, n = ${lenFn}; i < n; i++) ${target}.push(${elem});`];
    }
    const lines = [];
    if (declare) lines.push(`${I}let ${target}: ${this.tsType(f)};`);
    lines.push(`${I}{`);
    lines.push(`${I}  const n = ${lenFn};`);
    if (nullable) {
      lines.push(`${I}  if (n < 0) {`, `${I}    ${target} = null;`, `${I}  } else {`);
      lines.push(`${I}    const a: ${elemType}[] = [];`, `${I}    for (let i = 0; i < n; i++) a.push(${elem});`, `${I}    ${target} = a;`);
      lines.push(`${I}  }`);
    } else {
      lines.push(`${I}  const a: ${elemType}[] = [];`, `${I}  for (let i = 0; i < n; i++) a.push(${elem});`, `${I}  ${target} = a;`);
    }
    lines.push(`${I}}`);
    return lines;
  }

  decodeBody(structName, fields, v) {
    const flex = this.isFlexible(v);
    const lines = [];
    const tagged = [];
    const present = new Set();
    for (const f of fields) {
      if (!inRange(f.versions, v)) continue;
      present.add(f);
      const local = `_${f.prop}`;
      if (flex && inRange(f.tagged, v)) {
        tagged.push(f);
        lines.push(`  let ${local}: ${this.tsType(f)} = ${this.defaultExpr(f)};`);
      } else {
        lines.push(...this.readLines(f, v, local, true, false, '  '));
      }
    }
    if (flex) {
      if (tagged.length === 0) {
        lines.push('  r.skipTaggedFields();');
      } else {
        lines.push('  for (let t = 0, nt = r.readUnsignedVarint(); t < nt; t++) {');
        lines.push('    const tag = r.readUnsignedVarint();');
        lines.push('    const end = r.beginTaggedField(tag);');
        lines.push('    switch (tag) {');
        for (const f of [...tagged].sort((a, b) => a.tag - b.tag)) {
          lines.push(`      case ${f.tag}:`);
          lines.push(...this.readLines(f, v, `_${f.prop}`, false, true, '        '));
          lines.push('        break;');
        }
        lines.push('      default:', '        r.offset = end; // unknown tag: skip');
        lines.push('    }');
        lines.push('    r.endTaggedField(tag, end);');
        lines.push('  }');
      }
    }
    const props = fields.map((f) => `    ${f.prop}: ${present.has(f) ? `_${f.prop}` : this.defaultExpr(f)},`);
    lines.push('  return {', ...props, '  };');
    return lines.join('\n');
  }

  // ----- encoding -----

  writePrimStmt(base, ff, nullable, val, wv, fieldPath, valNullable) {
    if (WRITE_PRIM[base]) return `${wv}.${WRITE_PRIM[base]}(${val});`;
    const c = ff ? 'Compact' : '';
    const nn = valNullable && !nullable ? `nonNull(${val}, '${fieldPath}')` : val;
    if (base === 'string') return nullable ? `${wv}.write${c}NullableString(${val});` : `${wv}.write${c}String(${nn});`;
    if (base === 'bytes') return nullable ? `${wv}.write${c}NullableBytes(${val});` : `${wv}.write${c}Bytes(${nn});`;
    if (base === 'records') return nullable ? `${wv}.write${c}Records(${val});` : `${wv}.write${c}Bytes(${nn});`;
    throw new Error(`no writer for ${base}`);
  }

  /** Lines writing field f (value expression `val`) at version v into writer variable `wv`. */
  writeLines(f, v, val, wv, tagged, indent, path) {
    const I = indent;
    const ff = this.fieldFlexible(f, v);
    const nullable = inRange(f.nullable, v);
    const valNullable = typeNullable(f);
    if (f.kind === 'prim') return [`${I}${this.writePrimStmt(f.base, ff, nullable, val, wv, path, valNullable)}`];
    if (f.kind === 'struct') {
      const fn = this.fn('encode', f.base, v);
      if (!nullable) {
        return [`${I}${fn}(${wv}, ${valNullable ? `nonNull(${val}, '${path}')` : val});`];
      }
      const marker = (x) => (tagged ? `${wv}.writeUnsignedVarint(${x});` : `${wv}.writeInt8(${x === 0 ? -1 : 1});`);
      return [
        `${I}{`,
        `${I}  const s = ${val};`,
        `${I}  if (s === null) {`,
        `${I}    ${marker(0)}`,
        `${I}  } else {`,
        `${I}    ${marker(1)}`,
        `${I}    ${fn}(${wv}, s);`,
        `${I}  }`,
        `${I}}`,
      ];
    }
    // array
    const lenFn = `${wv}.write${ff ? 'Compact' : ''}ArrayLength`;
    const elem =
      f.elemKind === 'struct'
        ? `${this.fn('encode', f.base, v)}(${wv}, a[i]);`
        : this.writePrimStmt(f.base, ff, false, 'a[i]', wv, path, false);
    const loop = [`${lenFn}(a.length);`, `for (let i = 0; i < a.length; i++) ${elem}`];
    if (!valNullable) return [`${I}{`, `${I}  const a = ${val};`, ...loop.map((l) => `${I}  ${l}`), `${I}}`];
    if (!nullable) {
      return [`${I}{`, `${I}  const a = nonNull(${val}, '${path}');`, ...loop.map((l) => `${I}  ${l}`), `${I}}`];
    }
    return [
      `${I}{`,
      `${I}  const a = ${val};`,
      `${I}  if (a === null) {`,
      `${I}    ${lenFn}(-1);`,
      `${I}  } else {`,
      ...loop.map((l) => `${I}    ${l}`),
      `${I}  }`,
      `${I}}`,
    ];
  }

  /** Condition under which a tagged field differs from its default (and so is written). */
  nonDefaultCond(f, val) {
    const def = this.defaultExpr(f);
    if (f.kind === 'prim' && !['bytes', 'records'].includes(f.base)) return `${val} !== ${def}`;
    if (def === 'null') return `${val} !== null`;
    const nul = typeNullable(f);
    if (f.kind === 'struct') {
      this.isDefaultNeeded.add(f.base);
      return nul ? `${val} === null || !isDefault${this.ifaceName(f.base)}(${val})` : `!isDefault${this.ifaceName(f.base)}(${val})`;
    }
    return nul ? `${val} === null || ${val}.length !== 0` : `${val}.length !== 0`;
  }

  /** Condition under which a field equals its default (for struct default checks). */
  isDefaultCond(f, val) {
    const def = this.defaultExpr(f);
    if (f.kind === 'prim' && !['bytes', 'records'].includes(f.base)) return `${val} === ${def}`;
    if (def === 'null') return `${val} === null`;
    const nul = typeNullable(f);
    if (f.kind === 'struct') {
      this.isDefaultNeeded.add(f.base);
      const c = `isDefault${this.ifaceName(f.base)}(${val})`;
      return nul ? `(${val} !== null && ${c})` : c;
    }
    return nul ? `(${val} !== null && ${val}.length === 0)` : `${val}.length === 0`;
  }

  encodeBody(structName, fields, v) {
    const flex = this.isFlexible(v);
    const lines = [];
    const tagged = [];
    const sName = (f) => `${this.ifaceName(structName)}.${f.prop}`;
    for (const f of fields) {
      if (!inRange(f.versions, v)) continue;
      if (flex && inRange(f.tagged, v)) {
        tagged.push(f);
        continue;
      }
      lines.push(...this.writeLines(f, v, `m.${f.prop}`, 'w', false, '  ', sName(f)));
    }
    if (flex) {
      if (tagged.length === 0) {
        lines.push('  w.writeEmptyTaggedFields();');
      } else {
        const sorted = [...tagged].sort((a, b) => a.tag - b.tag);
        for (const f of sorted) lines.push(`  const _tag${f.tag} = ${this.nonDefaultCond(f, `m.${f.prop}`)};`);
        lines.push(`  w.writeUnsignedVarint(${sorted.map((f) => `(_tag${f.tag} ? 1 : 0)`).join(' + ')});`);
        for (const f of sorted) {
          lines.push(`  if (_tag${f.tag}) {`);
          const size = f.kind === 'prim' ? FIXED_SIZE[f.base] : undefined;
          if (size !== undefined) {
            lines.push(`    w.writeUnsignedVarint(${f.tag});`, `    w.writeUnsignedVarint(${size});`);
            lines.push(...this.writeLines(f, v, `m.${f.prop}`, 'w', true, '    ', sName(f)));
          } else {
            lines.push('    const tw = new Writer(64);');
            lines.push(...this.writeLines(f, v, `m.${f.prop}`, 'tw', true, '    ', sName(f)));
            lines.push(`    w.writeTaggedField(${f.tag}, tw);`);
          }
          lines.push('  }');
        }
      }
    }
    if (lines.length === 0) lines.push('  // no fields in this version');
    return lines.join('\n');
  }

  // ----- whole module -----

  versionSuffix(versions) {
    const vs = [...versions].sort((a, b) => a - b);
    const parts = [];
    for (let i = 0; i < vs.length; ) {
      let j = i;
      while (j + 1 < vs.length && vs[j + 1] === vs[j] + 1) j++;
      parts.push(i === j ? `V${vs[i]}` : `V${vs[i]}toV${vs[j]}`);
      i = j + 1;
    }
    return parts.join('_');
  }

  doc(text, indent = '') {
    const clean = text.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim();
    return `${indent}/** ${clean} */`;
  }

  fieldDoc(f) {
    const bits = [`v${rangeText(f.versions)}`];
    if (f.nullable !== null) bits.push(`nullable v${rangeText(f.nullable)}`);
    if (f.tagged !== null) bits.push(`tagged v${rangeText(f.tagged)} tag ${f.tag}`);
    if (f.default !== undefined) bits.push(`default ${JSON.stringify(f.default)}`);
    return this.doc(`${f.about}${f.about && !/[.!?]$/.test(f.about.trim()) ? '.' : ''} (${bits.join(', ')})`, '  ');
  }

  generate() {
    const m = this.msg;
    const name = m.name;
    const versions = [];
    for (let v = m.valid.lo; v <= m.valid.hi; v++) versions.push(v);

    // Build all per-version functions (recursively creates struct functions).
    const topDecode = versions.map((v) => this.fn('decode', null, v));
    const topEncode = versions.map((v) => this.fn('encode', null, v));

    // Structs reachable from the message, in definition order.
    const structOrder = [...m.structs.keys()];

    // Name every group, then substitute tokens.
    const names = new Map();
    for (const groups of this.groups.values()) {
      for (const g of groups.values()) {
        const base = g.structName === null ? name : this.ifaceName(g.structName);
        names.set(g.token, `${g.kind}${base}${this.versionSuffix(g.versions)}`);
      }
    }
    const subst = (s) => s.replace(/@@F\d+@@/g, (t) => names.get(t));

    const out = [];
    out.push(`// Generated by ${SCRIPT} from ${m.file} — do not edit.`);
    out.push('');
    out.push('/**');
    out.push(` * Kafka ${name}${m.apiKey !== null ? ` (api key ${m.apiKey})` : ''}: TypeScript types and per-version codecs.`);
    out.push(` * Valid versions ${rangeText(m.valid)}, flexible versions ${rangeText(m.flexible)}.`);
    out.push(' * Wire format: docs/protocol.html "Protocol Primitive Types"; schema: message/' + m.file + '.');
    out.push(' */');
    out.push('@@IMPORTS@@');
    out.push('');

    // Constants.
    const cc = constCase(name);
    if (m.apiKey !== null) {
      out.push(`/** API key of ${name}. */`);
      out.push(`export const ${cc}_API_KEY = ${m.apiKey};`);
    }
    out.push(`/** Versions of ${name} this codec can read and write (inclusive). */`);
    out.push(`export const ${name}ValidVersions = { min: ${m.valid.lo}, max: ${m.valid.hi} } as const;`);
    out.push(`/** First flexible (KIP-482) version of ${name}, or -1 if none. */`);
    out.push(`export const ${name}FlexibleVersions = ${m.flexible === null ? -1 : m.flexible.lo};`);
    out.push('');

    // Interfaces.
    const emitIface = (ifName, fields, about) => {
      out.push(this.doc(about));
      out.push(`export interface ${ifName} {`);
      for (const f of fields) {
        out.push(this.fieldDoc(f));
        out.push(`  ${f.prop}: ${this.tsType(f)};`);
      }
      out.push('}');
      out.push('');
    };
    emitIface(name, m.fields, `${name} (all fields of all versions; absent fields decode to their defaults).`);
    for (const s of structOrder) {
      emitIface(this.ifaceName(s), m.structs.get(s).fields, `${this.ifaceName(s)}: the ${s} struct of ${name}.`);
    }

    // Factories.
    const emitFactory = (ifName, fields) => {
      out.push(`/** Create a ${ifName} with every field not given in \`init\` set to its default. */`);
      out.push(`export function create${ifName}(init: Partial<${ifName}> = {}): ${ifName} {`);
      out.push('  return {');
      for (const f of fields) {
        out.push(`    ${f.prop}: init.${f.prop} !== undefined ? init.${f.prop} : ${this.defaultExpr(f)},`);
      }
      out.push('  };');
      out.push('}');
      out.push('');
    };
    emitFactory(name, m.fields);
    for (const s of structOrder) emitFactory(this.ifaceName(s), m.structs.get(s).fields);

    // Dispatchers.
    const dispatcher = (kind, tokens) => {
      const cases = new Map();
      versions.forEach((v, i) => {
        const t = tokens[i];
        if (!cases.has(t)) cases.set(t, []);
        cases.get(t).push(v);
      });
      const lines = [];
      if (kind === 'decode') {
        lines.push('/**');
        lines.push(` * Decode a ${name} body of the given version from \`r\` (header already consumed).`);
        lines.push(' * Byte/record fields are views into the reader\'s buffer (no copies).');
        lines.push(' * @throws ProtocolError on truncated/malformed input or an unsupported version.');
        lines.push(' */');
        lines.push(`export function decode${name}(r: Reader, version: number): ${name} {`);
      } else {
        lines.push('/**');
        lines.push(` * Encode \`m\` as a ${name} body of the given version into \`w\` (no header, no size prefix).`);
        lines.push(' * Fields absent from that version are omitted; tagged fields are written only when not default.');
        lines.push(' * @throws ProtocolError on an unsupported version or a null in a non-nullable field.');
        lines.push(' */');
        lines.push(`export function encode${name}(w: Writer, version: number, m: ${name}): void {`);
      }
      lines.push('  switch (version) {');
      for (const [t, vs] of cases) {
        lines.push(`    ${vs.map((v) => `case ${v}:`).join(' ')}`);
        lines.push(kind === 'decode' ? `      return ${t}(r);` : `      ${t}(w, m);`, ...(kind === 'decode' ? [] : ['      return;']));
      }
      lines.push('    default:');
      lines.push(`      throw new ProtocolError(\`unsupported ${name} version \${version}\`);`);
      lines.push('  }');
      lines.push('}');
      lines.push('');
      return lines;
    };
    out.push(...dispatcher('decode', topDecode));
    out.push(...dispatcher('encode', topEncode));

    // Per-version functions: message first, then structs in definition order.
    const emitGroups = (structName) => {
      for (const kind of ['decode', 'encode']) {
        const groups = this.groups.get(`${kind}:${structName}`);
        if (!groups) continue;
        const sorted = [...groups.values()].sort((a, b) => Math.min(...a.versions) - Math.min(...b.versions));
        for (const g of sorted) {
          const ifName = structName === null ? name : this.ifaceName(structName);
          const vdesc = g.versions.length === 1 ? `version ${g.versions[0]}` : `versions ${this.versionSuffix(g.versions).replace(/V/g, '').replace(/to/g, '-').replace(/_/g, ', ')}`;
          out.push(`/** ${kind === 'decode' ? 'Decode' : 'Encode'} ${ifName}, ${vdesc}. */`);
          if (kind === 'decode') out.push(`function ${names.get(g.token)}(r: Reader): ${ifName} {`);
          else out.push(`function ${names.get(g.token)}(w: Writer, m: ${ifName}): void {`);
          out.push(g.body);
          out.push('}');
          out.push('');
        }
      }
    };
    emitGroups(null);
    for (const s of structOrder) emitGroups(s);

    // Default checks for structs used as tagged fields (transitively).
    const isDefaultLines = [];
    const pendingDefaults = () => [...this.isDefaultNeeded].filter((s) => !this.isDefaultEmitted.has(s));
    for (let todo = pendingDefaults(); todo.length; todo = pendingDefaults()) {
      for (const s of todo) {
        this.isDefaultEmitted.add(s);
        const ifName = this.ifaceName(s);
        const conds = m.structs.get(s).fields.map((f) => this.isDefaultCond(f, `m.${f.prop}`));
        isDefaultLines.push(`/** Whether every field of \`m\` equals its default (decides if a tagged ${ifName} is written). */`);
        isDefaultLines.push(`function isDefault${ifName}(m: ${ifName}): boolean {`);
        isDefaultLines.push(`  return (\n    ${conds.length ? conds.join(' &&\n    ') : 'true'}\n  );`);
        isDefaultLines.push('}');
        isDefaultLines.push('');
      }
    }
    out.push(...isDefaultLines);

    // Imports: only what is used.
    let text = subst(out.join('\n')).replace(/\n+$/, '\n');
    const body = text.replace('@@IMPORTS@@', '');
    const valueImports = ['ProtocolError', 'Writer', 'nonNull', 'ZERO_UUID', 'EMPTY_BYTES'].filter((n) =>
      n === 'Writer' ? /new Writer\(/.test(body) : new RegExp(`\\b${n}\\b`).test(body),
    );
    const typeImports = ['Reader', 'Writer'].filter((n) => !valueImports.includes(n) && new RegExp(`\\b${n}\\b`).test(body));
    const imports = [];
    if (valueImports.length) imports.push(`import { ${valueImports.join(', ')} } from '../primitives.js';`);
    if (typeImports.length) imports.push(`import type { ${typeImports.join(', ')} } from '../primitives.js';`);
    text = text.replace('@@IMPORTS@@', imports.join('\n'));
    return text;
  }
}

// ---------------------------------------------------------------------------------------------
// Index module
// ---------------------------------------------------------------------------------------------

/** Pairs every request with its response, sorted by api key. Throws on a mismatch. */
function pairApis(requests, responses) {
  const apis = [];
  for (const req of requests) {
    const base = req.name.replace(/Request$/, '');
    const res = responses.find((r) => r.name === `${base}Response`);
    if (!res) throw new Error(`no response for ${req.name}`);
    if (res.apiKey !== req.apiKey) throw new Error(`api key mismatch for ${base}`);
    if (res.valid.lo !== req.valid.lo || res.valid.hi !== req.valid.hi) {
      throw new Error(`valid versions differ for ${base}: ${rangeText(req.valid)} vs ${rangeText(res.valid)}`);
    }
    apis.push({ base, req, res });
  }
  apis.sort((a, b) => a.req.apiKey - b.req.apiKey);
  return apis;
}

/**
 * The API registry module: version metadata of every API, the header-version helpers, and the
 * codecs of one API loaded on first use (a dynamic import of its two message modules), so that
 * a process loads only the codecs of the APIs it speaks (the broker's idle memory, issue 12).
 */
function generateRegistry(apis) {
  const out = [];
  out.push(`// Generated by ${SCRIPT} from message/*.json — do not edit.`);
  out.push('');
  out.push('/**');
  out.push(' * Version metadata of every Kafka API, header-version helpers, and the codecs of one API loaded');
  out.push(' * on first use: `await loadApi(apiKey)`, then `loadedApi(apiKey)` synchronously. Importing this');
  out.push(' * module loads no message codec (index.ts loads them all).');
  out.push(' */');
  out.push("import type { Reader, Writer } from '../primitives.js';");
  out.push('');
  out.push('/** Version metadata of one Kafka API (request/response pair). */');
  out.push('export interface ApiMeta {');
  out.push('  /** The API key (int16 in the request header). */');
  out.push('  readonly apiKey: number;');
  out.push("  /** API name without the Request/Response suffix, e.g. 'Produce'. */");
  out.push('  readonly name: string;');
  out.push('  /** Lowest supported version. */');
  out.push('  readonly minVersion: number;');
  out.push('  /** Highest version defined by the message schema (may be unstable, see latestVersionUnstable). */');
  out.push('  readonly maxVersion: number;');
  out.push('  /** First flexible request version, or -1 if none. */');
  out.push('  readonly requestFlexibleFrom: number;');
  out.push('  /** First flexible response version, or -1 if none. */');
  out.push('  readonly responseFlexibleFrom: number;');
  out.push('  /** Whether maxVersion is still unstable upstream (not advertised by default in Kafka). */');
  out.push('  readonly latestVersionUnstable: boolean;');
  out.push("  /** Listener types that serve this API upstream ('broker', 'controller', 'zkBroker'). */");
  out.push('  readonly listeners: readonly string[];');
  out.push('}');
  out.push('');
  out.push('/** Codecs and version metadata of one Kafka API (request/response pair). */');
  out.push('export interface ApiDefinition<Req = unknown, Res = unknown> extends ApiMeta {');
  out.push('  /** Decode a request body (after the request header). @throws ProtocolError */');
  out.push('  decodeRequest(r: Reader, version: number): Req;');
  out.push('  /** Encode a request body (without header or size prefix). @throws ProtocolError */');
  out.push('  encodeRequest(w: Writer, version: number, m: Req): void;');
  out.push('  /** Decode a response body (after the response header). @throws ProtocolError */');
  out.push('  decodeResponse(r: Reader, version: number): Res;');
  out.push('  /** Encode a response body (without header or size prefix). @throws ProtocolError */');
  out.push('  encodeResponse(w: Writer, version: number, m: Res): void;');
  out.push('}');
  out.push('');
  out.push('/** API keys by API name. */');
  out.push('export const ApiKeys = {');
  for (const a of apis) out.push(`  ${a.base}: ${a.req.apiKey},`);
  out.push('} as const;');
  out.push('');
  out.push('/** An API name, e.g. `Produce`. */');
  out.push('export type ApiName = keyof typeof ApiKeys;');
  out.push('');
  out.push('/** Every API\'s metadata, sorted by api key. */');
  out.push('export const ALL_API_METAS: readonly ApiMeta[] = [');
  for (const a of apis) {
    out.push(
      `  { apiKey: ${a.req.apiKey}, name: '${a.base}', minVersion: ${a.req.valid.lo}, maxVersion: ${a.req.valid.hi}, ` +
        `requestFlexibleFrom: ${a.req.flexible === null ? -1 : a.req.flexible.lo}, responseFlexibleFrom: ${a.res.flexible === null ? -1 : a.res.flexible.lo}, ` +
        `latestVersionUnstable: ${a.req.latestVersionUnstable || a.res.latestVersionUnstable}, listeners: ${JSON.stringify(a.req.listeners).replace(/"/g, "'").replace(/,/g, ', ')} },`,
    );
  }
  out.push('];');
  out.push('');
  out.push('/** API metadata indexed by api key, or undefined for an unknown key (including negative or out-of-range keys). */');
  out.push('export const API_METAS: readonly (ApiMeta | undefined)[] = (() => {');
  out.push('  const byKey: (ApiMeta | undefined)[] = [];');
  out.push('  for (const meta of ALL_API_METAS) {');
  out.push('    while (byKey.length < meta.apiKey) byKey.push(undefined);');
  out.push('    byKey[meta.apiKey] = meta;');
  out.push('  }');
  out.push('  return byKey;');
  out.push('})();');
  out.push('');
  out.push('/** The request and response codecs of `apiKey` (a known key), imported on demand. */');
  out.push('async function importCodecs(apiKey: number): Promise<Omit<ApiDefinition, keyof ApiMeta>> {');
  out.push('  switch (apiKey) {');
  for (const a of apis) {
    out.push(`    case ${a.req.apiKey}: {`);
    out.push(`      const [q, s] = await Promise.all([import('./${kebab(a.req.name)}.js'), import('./${kebab(a.res.name)}.js')]);`);
    out.push(`      return { decodeRequest: q.decode${a.req.name}, encodeRequest: q.encode${a.req.name}, decodeResponse: s.decode${a.res.name}, encodeResponse: s.encode${a.res.name} } as Omit<ApiDefinition, keyof ApiMeta>;`);
    out.push('    }');
  }
  out.push('    default:');
  out.push('      throw new Error(`unknown API key ${apiKey}`);');
  out.push('  }');
  out.push('}');
  out.push('');
  out.push('const loaded: (ApiDefinition | undefined)[] = [];');
  out.push('const loading = new Map<number, Promise<ApiDefinition | undefined>>();');
  out.push('');
  out.push('/** The definition of `apiKey` if its codecs are loaded (see {@link loadApi}), else undefined. */');
  out.push('export function loadedApi(apiKey: number): ApiDefinition | undefined {');
  out.push('  return loaded[apiKey];');
  out.push('}');
  out.push('');
  out.push('/**');
  out.push(' * The definition of `apiKey` with its codecs, importing its two message modules the first time');
  out.push(' * (later calls resolve to the same object); undefined for an unknown key.');
  out.push(' */');
  out.push('export function loadApi(apiKey: number): Promise<ApiDefinition | undefined> {');
  out.push('  const done = loaded[apiKey];');
  out.push('  if (done !== undefined) return Promise.resolve(done);');
  out.push('  const meta = API_METAS[apiKey];');
  out.push('  if (meta === undefined) return Promise.resolve(undefined);');
  out.push('  let pending = loading.get(apiKey);');
  out.push('  if (pending === undefined) {');
  out.push('    pending = importCodecs(apiKey).then((codecs) => {');
  out.push('      const def: ApiDefinition = { ...meta, ...codecs };');
  out.push('      loaded[apiKey] = def;');
  out.push('      loading.delete(apiKey);');
  out.push('      return def;');
  out.push('    });');
  out.push('    loading.set(apiKey, pending);');
  out.push('  }');
  out.push('  return pending;');
  out.push('}');
  out.push('');
  const cs = apis.find((a) => a.base === 'ControlledShutdown');
  const av = apis.find((a) => a.base === 'ApiVersions');
  out.push('/**');
  out.push(' * Request header version for a request of `apiKey` at `apiVersion`: 2 if that request version is');
  out.push(' * flexible, else 1; ControlledShutdown v0 uses header v0. Versions above an API\'s max still count');
  out.push(' * as flexible if the API has flexible versions (so a too-new ApiVersions request can be parsed).');
  out.push(' * Unknown api keys yield 1. Source: protocol.html "Request Header", RequestHeader.json.');
  out.push(' */');
  out.push('export function requestHeaderVersion(apiKey: number, apiVersion: number): number {');
  if (cs) out.push(`  if (apiKey === ${cs.req.apiKey} && apiVersion === 0) return 0;`);
  out.push('  const meta = API_METAS[apiKey];');
  out.push('  if (meta === undefined || meta.requestFlexibleFrom < 0) return 1;');
  out.push('  return apiVersion >= meta.requestFlexibleFrom ? 2 : 1;');
  out.push('}');
  out.push('');
  out.push('/**');
  out.push(' * Response header version for a response of `apiKey` at `apiVersion`: 1 if that response version is');
  out.push(' * flexible, else 0. ApiVersions responses always use header v0 (KIP-511), so clients can parse');
  out.push(' * them whatever version they asked for. Source: protocol.html "Response Header".');
  out.push(' */');
  out.push('export function responseHeaderVersion(apiKey: number, apiVersion: number): number {');
  if (av) out.push(`  if (apiKey === ${av.req.apiKey}) return 0;`);
  out.push('  const meta = API_METAS[apiKey];');
  out.push('  if (meta === undefined || meta.responseFlexibleFrom < 0) return 0;');
  out.push('  return apiVersion >= meta.responseFlexibleFrom ? 1 : 0;');
  out.push('}');
  out.push('');
  return out.join('\n');
}

function generateIndex(apis, headers) {
  const out = [];
  out.push(`// Generated by ${SCRIPT} from message/*.json — do not edit.`);
  out.push('');
  out.push('/**');
  out.push(' * Every generated Kafka API codec loaded at once: API_DEFINITIONS, the registry (api-registry.ts)');
  out.push(' * and re-exports of every generated message module. Runtime code that speaks a few APIs imports');
  out.push(' * the message modules and api-registry.ts directly instead, so it loads only what it uses.');
  out.push(' */');
  out.push("import { API_METAS, type ApiDefinition } from './api-registry.js';");
  for (const a of apis) {
    out.push(
      `import { decode${a.req.name}, encode${a.req.name}, type ${a.req.name} } from './${kebab(a.req.name)}.js';`,
      `import { decode${a.res.name}, encode${a.res.name}, type ${a.res.name} } from './${kebab(a.res.name)}.js';`,
    );
  }
  out.push('');
  out.push("export * from './api-registry.js';");
  for (const h of headers) out.push(`export * from './${kebab(h.name)}.js';`);
  for (const a of apis) {
    out.push(`export * from './${kebab(a.req.name)}.js';`);
    out.push(`export * from './${kebab(a.res.name)}.js';`);
  }
  out.push('');
  for (const a of apis) {
    out.push(`/** ${a.base} (api key ${a.req.apiKey}), versions ${rangeText(a.req.valid)}. */`);
    out.push(`export const ${a.base}Api: ApiDefinition<${a.req.name}, ${a.res.name}> = {`);
    out.push(`  ...API_METAS[${a.req.apiKey}]!,`);
    out.push(`  decodeRequest: decode${a.req.name},`);
    out.push(`  encodeRequest: encode${a.req.name},`);
    out.push(`  decodeResponse: decode${a.res.name},`);
    out.push(`  encodeResponse: encode${a.res.name},`);
    out.push('};');
    out.push('');
  }
  out.push('/** Every API definition, sorted by api key. */');
  out.push('export const ALL_APIS: readonly ApiDefinition[] = [');
  for (const a of apis) out.push(`  ${a.base}Api,`);
  out.push('];');
  out.push('');
  out.push('/**');
  out.push(' * API definitions indexed by api key: `API_DEFINITIONS[apiKey]` is the definition, or undefined');
  out.push(' * for an unknown key (including negative or out-of-range keys).');
  out.push(' */');
  out.push('export const API_DEFINITIONS: readonly (ApiDefinition | undefined)[] = (() => {');
  out.push('  const byKey: (ApiDefinition | undefined)[] = [];');
  out.push('  for (const def of ALL_APIS) {');
  out.push('    while (byKey.length < def.apiKey) byKey.push(undefined);');
  out.push('    byKey[def.apiKey] = def;');
  out.push('  }');
  out.push('  return byKey;');
  out.push('})();');
  out.push('');
  out.push('/** The definition for `apiKey`, or undefined if the key is unknown. */');
  out.push('export function getApiDefinition(apiKey: number): ApiDefinition | undefined {');
  out.push('  return API_DEFINITIONS[apiKey];');
  out.push('}');
  out.push('');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Schema fixture (for tests): normalized, JSON-safe description of every message.
// ---------------------------------------------------------------------------------------------

function schemaFixture(messages) {
  const r = (x) => (x === null ? null : [x.lo, x.hi === Infinity ? null : x.hi]);
  const fieldJson = (gen, f) => {
    const j = {
      name: f.name,
      prop: f.prop,
      kind: f.kind,
      base: f.base,
      versions: r(f.versions),
      nullable: r(f.nullable),
      typeNullable: typeNullable(f),
      tagged: r(f.tagged),
      tag: f.tag,
      defaultExpr: gen.defaultExpr(f),
    };
    if (f.flexOverride !== undefined) j.flexOverride = r(f.flexOverride);
    return j;
  };
  const out = {};
  for (const m of messages) {
    const gen = new MessageCodegen(m);
    out[m.name] = {
      file: m.file,
      type: m.type,
      apiKey: m.apiKey,
      valid: r(m.valid),
      flexible: r(m.flexible),
      fields: m.fields.map((f) => fieldJson(gen, f)),
      structs: Object.fromEntries([...m.structs.values()].map((s) => [s.name, s.fields.map((f) => fieldJson(gen, f))])),
    };
  }
  // One message per line: compact, yet diffs stay readable.
  const lines = Object.entries(out).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

/**
 * The coordinators' internal record schemas (`__consumer_offsets`, `__transaction_state` keys and values) we
 * generate from `coordinator-records/` beside the message directory.
 */
const COORDINATOR_RECORDS = ['OffsetCommitKey', 'OffsetCommitValue', 'GroupMetadataKey', 'GroupMetadataValue', 'TransactionLogKey', 'TransactionLogValue'];
const RECORDS_OUT_DIR = join(OUT_DIR, 'coordinator-records');

function generateAll(inputDir, recordsDir) {
  const files = readdirSync(inputDir)
    .filter((f) => /(Request|Response)\.json$/.test(f) || f === 'RequestHeader.json' || f === 'ResponseHeader.json')
    .sort();
  const messages = [];
  for (const file of files) {
    const msg = loadMessage(file, inputDir);
    if (msg.type === 'request' || msg.type === 'response' || msg.name === 'RequestHeader' || msg.name === 'ResponseHeader') {
      messages.push(msg);
    }
  }
  const outputs = new Map();
  for (const msg of messages) {
    outputs.set(join(OUT_DIR, `${kebab(msg.name)}.ts`), new MessageCodegen(msg).generate());
  }
  const apis = pairApis(
    messages.filter((m) => m.type === 'request'),
    messages.filter((m) => m.type === 'response'),
  );
  outputs.set(join(OUT_DIR, 'api-registry.ts'), generateRegistry(apis));
  outputs.set(
    join(OUT_DIR, 'index.ts'),
    generateIndex(
      apis,
      messages.filter((m) => m.type === 'header'),
    ),
  );
  outputs.set(SCHEMA_FIXTURE, schemaFixture(messages));
  for (const name of COORDINATOR_RECORDS) {
    const msg = loadMessage(`${name}.json`, recordsDir);
    outputs.set(join(RECORDS_OUT_DIR, `${kebab(msg.name)}.ts`), new MessageCodegen(msg).generate().replaceAll("from './", "from '../").replaceAll("from '../primitives.js'", "from '../../primitives.js'"));
  }
  return outputs;
}

function listTs(dir) {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')).sort() : [];
}

function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const positional = args.filter((a) => !a.startsWith('--'));
  const inputDir = positional[0] !== undefined ? resolve(process.cwd(), positional[0]) : resolve(repoRoot, '../shared/kafka-protocol/message');
  if (!existsSync(inputDir)) {
    console.error(`gen-codecs: input directory ${inputDir} not found`);
    process.exit(2);
  }
  const recordsDir = positional[1] !== undefined ? resolve(process.cwd(), positional[1]) : resolve(inputDir, '../coordinator-records');
  if (!existsSync(recordsDir)) {
    console.error(`gen-codecs: coordinator records directory ${recordsDir} not found`);
    process.exit(2);
  }
  const outputs = generateAll(inputDir, recordsDir);

  if (check) {
    const tmp = mkdtempSync(join(tmpdir(), 'gen-codecs-'));
    try {
      const problems = [];
      for (const [rel, text] of outputs) {
        const tmpFile = join(tmp, rel);
        mkdirSync(dirname(tmpFile), { recursive: true });
        writeFileSync(tmpFile, text);
        const committed = join(repoRoot, rel);
        if (!existsSync(committed)) problems.push(`missing: ${rel}`);
        else if (readFileSync(committed, 'utf8') !== text) problems.push(`differs: ${rel}`);
      }
      const expected = new Set([...outputs.keys()].filter((k) => k.startsWith(OUT_DIR)).map((k) => relative(OUT_DIR, k)));
      for (const f of listTs(join(repoRoot, OUT_DIR))) if (!expected.has(f)) problems.push(`extra: ${join(OUT_DIR, f)}`);
      if (problems.length) {
        console.error(`gen-codecs --check: committed output is stale (regenerate with npm run gen:codecs; fresh output in ${tmp}):`);
        for (const p of problems) console.error(`  ${p}`);
        process.exit(1);
      }
      rmSync(tmp, { recursive: true, force: true });
      console.log(`gen-codecs --check: ${outputs.size} files up to date`);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    return;
  }

  const outAbs = join(repoRoot, OUT_DIR);
  mkdirSync(outAbs, { recursive: true });
  const expected = new Set([...outputs.keys()].filter((k) => k.startsWith(OUT_DIR)).map((k) => relative(OUT_DIR, k)));
  for (const f of listTs(outAbs)) if (!expected.has(f)) rmSync(join(outAbs, f));
  for (const [rel, text] of outputs) {
    const abs = join(repoRoot, rel);
    mkdirSync(dirname(abs), { recursive: true });
    if (!existsSync(abs) || readFileSync(abs, 'utf8') !== text) writeFileSync(abs, text);
  }
  console.log(`gen-codecs: wrote ${outputs.size} files from ${relative(repoRoot, inputDir) || inputDir}`);
}

main();
