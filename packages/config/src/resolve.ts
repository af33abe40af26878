import type { Checked } from './checks.js';
import { ConfigError, type ConfigIssue, configIssue } from './config-error.js';
import { deepFreeze } from './deep-freeze.js';
import { type FieldSpec, type SectionName, schema, sectionNames } from './schema.js';
import type { Config } from './types.js';

/** Where the value of one field comes from. */
export type FieldSource =
  | { readonly kind: 'input'; readonly path: string; readonly value: unknown }
  | { readonly kind: 'env'; readonly name: string; readonly raw: string };

/** Finds the source of a field, or `undefined` to take its default. */
export type FieldLookup = (
  section: SectionName,
  key: string,
  spec: FieldSpec<unknown>,
) => FieldSource | undefined;

/** The sections of an input object, as far as they could be read. */
export type InputSections = Partial<Record<SectionName, Readonly<Record<string, unknown>>>>;

const ROOT = '(root)';

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldsOf(section: SectionName): Readonly<Record<string, FieldSpec<unknown>>> {
  return schema[section] as Readonly<Record<string, FieldSpec<unknown>>>;
}

/**
 * Reads a `ConfigInput`-shaped value: reports a non-object, unknown sections, sections that are
 * not objects and unknown keys, and returns the sections it could read.
 */
export function readInput(input: unknown, issues: ConfigIssue[]): InputSections {
  const sections: InputSections = {};
  if (input === undefined) return sections;
  if (!isRecord(input)) {
    issues.push(configIssue(ROOT, input, `an object with the sections ${sectionNames.join(', ')}`));
    return sections;
  }
  for (const name of Object.keys(input)) {
    if (!(sectionNames as readonly string[]).includes(name)) {
      issues.push(unknownKey(name, input[name], 'section', sectionNames));
    }
  }
  for (const name of sectionNames) {
    const section = input[name];
    if (section === undefined) continue;
    if (!isRecord(section)) {
      issues.push(configIssue(name, section, `an object (the ${name} section)`));
      continue;
    }
    const known = Object.keys(schema[name]);
    for (const key of Object.keys(section)) {
      if (!known.includes(key))
        issues.push(unknownKey(`${name}.${key}`, section[key], 'key', known));
    }
    sections[name] = section;
  }
  return sections;
}

function unknownKey(
  path: string,
  value: unknown,
  kind: 'section' | 'key',
  known: readonly string[],
): ConfigIssue {
  const list = known.join(', ');
  return {
    path,
    value,
    expected: `one of the known ${kind}s: ${list}`,
    message: `${path}: unknown ${kind}; known ${kind}s: ${list}`,
  };
}

/** The source of a field given in an input object, if it is given (not `undefined`). */
export function fromInput(
  sections: InputSections,
  section: SectionName,
  key: string,
): FieldSource | undefined {
  const value = sections[section]?.[key];
  return value === undefined ? undefined : { kind: 'input', path: `${section}.${key}`, value };
}

/**
 * Builds the configuration: every field from its source (checked) or its default. Throws one
 * {@link ConfigError} listing `issues` found so far plus every invalid field; otherwise returns
 * a fresh, deeply frozen object.
 */
export function resolveConfig(lookup: FieldLookup, issues: ConfigIssue[]): Config {
  const config: Record<string, Record<string, unknown>> = {};
  for (const section of sectionNames) {
    const values: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(fieldsOf(section))) {
      const source = lookup(section, key, spec);
      values[key] = source === undefined ? copy(spec.default) : resolveField(source, spec, issues);
    }
    config[section] = values;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return deepFreeze(config as unknown as Config);
}

function resolveField(
  source: FieldSource,
  spec: FieldSpec<unknown>,
  issues: ConfigIssue[],
): unknown {
  if (source.kind === 'env') {
    const parsed: Checked<unknown> = spec.parseEnv?.(source.raw) ?? { ok: true, value: source.raw };
    const checked = parsed.ok ? spec.check(parsed.value) : parsed;
    if (checked.ok) return checked.value;
    // One issue per variable, naming the raw string, whatever part of it was wrong.
    issues.push(configIssue(source.name, source.raw, spec.envExpected ?? spec.expected));
    return undefined;
  }
  const checked = spec.check(source.value);
  if (checked.ok) return checked.value;
  for (const failure of checked.failures) {
    issues.push(
      configIssue(
        `${source.path}${failure.at ?? ''}`,
        'value' in failure ? failure.value : source.value,
        failure.expected ?? spec.expected,
      ),
    );
  }
  return undefined;
}

function copy(value: unknown): unknown {
  return Array.isArray(value) ? [...value] : value;
}
