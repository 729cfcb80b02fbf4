// A processor's params JSON Schema as a form: which inputs to show, how their text becomes params,
// and where the server's invalid_params errors belong.

import { HttpError } from '../live';
import type { JsonSchema, SchemaObject } from './processors';

export type FieldKind = 'text' | 'integer' | 'number' | 'boolean' | 'enum' | 'json';

export interface FormField {
  /** The property's name; {@link WHOLE} for a schema without properties, edited as one JSON object. */
  name: string;
  label: string;
  help?: string;
  kind: FieldKind;
  required: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  /** The allowed values of an enum, in the schema's order. */
  options?: unknown[];
  default?: unknown;
}

/** The name of the one field that holds all params, for schemas the form cannot take apart. */
export const WHOLE = '';

/**
 * What each input holds, as the input has it: text for text, numbers and JSON; the chosen
 * option's index for an enum ('' for none); true/false for a checkbox, undefined while untouched.
 */
export type FormValues = Record<string, string | boolean | undefined>;

/** Keywords that say nothing about the shape of the params object beyond "an object". */
const BARE = new Set(['$schema', '$id', 'type', 'title', 'description', 'default', '$comment', 'examples']);

/** The inputs for a params schema: one per property, a JSON box for what has no simple input. */
export function formFields(schema: SchemaObject): FormField[] {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) {
    const constrained = Object.keys(schema).some((k) => !BARE.has(k) && k !== 'properties');
    return constrained
      ? [{ name: WHOLE, label: 'Parameters (JSON object)', help: schema.description, kind: 'json', required: false }]
      : [];
  }
  const required = new Set(schema.required ?? []);
  return properties.map(([name, property]) => field(name, property, required.has(name)));
}

function field(name: string, schema: JsonSchema, required: boolean): FormField {
  const s: SchemaObject = typeof schema === 'object' ? schema : {};
  const base = {
    name,
    label: typeof s.title === 'string' ? s.title : name,
    help: typeof s.description === 'string' ? s.description : undefined,
    required,
    default: s.default,
  };
  if (Array.isArray(s.enum) && s.enum.length > 0 && s.enum.every(isScalar)) {
    return { ...base, kind: 'enum', options: s.enum };
  }
  const kind = simpleKind(s);
  if (kind === 'integer' || kind === 'number') {
    return { ...base, kind, minimum: numberOr(s.minimum), maximum: numberOr(s.maximum) };
  }
  if (kind === 'text') return { ...base, kind, minLength: numberOr(s.minLength), maxLength: numberOr(s.maxLength) };
  return { ...base, kind };
}

/** The kind of input for a schema with one plain type ("null" beside it is allowed); 'json' for anything else. */
function simpleKind(s: SchemaObject): FieldKind {
  const types = (Array.isArray(s.type) ? s.type : [s.type]).filter((t) => t !== 'null');
  const structured = ['oneOf', 'anyOf', 'allOf', 'const', '$ref', 'not', 'if'].some((k) => k in s);
  if (types.length !== 1 || structured) return 'json';
  switch (types[0]) {
    case 'string':
      return 'text';
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'json';
  }
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** The inputs' starting values: the schema's defaults. */
export function initialValues(fields: FormField[]): FormValues {
  const values: FormValues = {};
  for (const f of fields) {
    if (f.default === undefined) continue;
    if (f.kind === 'boolean') values[f.name] = f.default === true;
    else if (f.kind === 'enum') {
      const at = f.options?.findIndex((o) => Object.is(o, f.default)) ?? -1;
      values[f.name] = at < 0 ? '' : String(at);
    } else if (f.kind === 'json') values[f.name] = JSON.stringify(f.default, null, 2);
    else values[f.name] = String(f.default);
  }
  return values;
}

export type Collected = { params: Record<string, unknown> } | { errors: Record<string, string> };

/**
 * The params the inputs say, or what is wrong with the inputs the browser could not check.
 * Empty inputs are left out (the processor's own defaults apply); range checks are the server's.
 */
export function collect(fields: FormField[], values: FormValues): Collected {
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const raw = values[f.name];
    if (f.kind === 'boolean') {
      if (raw !== undefined || f.required) params[f.name] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw : '';
    if (text.trim() === '') continue;
    if (f.kind === 'enum') params[f.name] = f.options?.[Number(text)];
    else if (f.kind === 'text') params[f.name] = text;
    else if (f.kind === 'integer' || f.kind === 'number') {
      const n = Number(text);
      if (!Number.isFinite(n)) errors[f.name] = 'must be a number';
      else if (f.kind === 'integer' && !Number.isInteger(n)) errors[f.name] = 'must be a whole number';
      else params[f.name] = n;
    } else {
      try {
        params[f.name] = JSON.parse(text);
      } catch (e) {
        errors[f.name] = `is not valid JSON (${e instanceof Error ? e.message : String(e)})`;
      }
    }
  }
  if (Object.keys(errors).length > 0) return { errors };
  if (fields.length === 1 && fields[0].name === WHOLE) {
    const whole = params[WHOLE] ?? {};
    if (typeof whole !== 'object' || whole === null || Array.isArray(whole)) {
      return { errors: { [WHOLE]: 'must be a JSON object' } };
    }
    return { params: whole as Record<string, unknown> };
  }
  return { params };
}

/** A refused submission's messages, by the field they name; what names no field of the form is under {@link WHOLE}. */
export function fieldErrors(error: unknown, fields: FormField[]): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, message: string) => {
    out[name] = out[name] ? `${out[name]}; ${message}` : message;
  };
  if (!(error instanceof HttpError)) {
    add(WHOLE, error instanceof Error ? error.message : String(error));
    return out;
  }
  const listed = Array.isArray(error.problem.errors) ? (error.problem.errors as unknown[]) : [];
  const items = listed.filter(
    (e): e is { field: string; message: string } =>
      typeof e === 'object' &&
      e !== null &&
      typeof (e as { field?: unknown }).field === 'string' &&
      typeof (e as { message?: unknown }).message === 'string',
  );
  if (error.code !== 'invalid_params' || items.length === 0) {
    add(WHOLE, error.message);
    return out;
  }
  const names = fields.map((f) => f.name).filter((n) => n !== WHOLE);
  for (const item of items) {
    const name = paramName(item.field, names);
    // An error inside a value (params.lineup[2].id) says where inside.
    const inside = name === undefined ? '' : item.field.slice(`params.${name}`.length);
    add(name ?? WHOLE, inside ? `${name}${inside}: ${item.message}` : item.message);
  }
  return out;
}

/**
 * The form field an error's `field` (`params.size`, `params.lineup[2].id`) is about: the longest
 * property name it starts with (names may hold dots), or undefined for the params as a whole.
 */
export function paramName(field: string, names: string[]): string | undefined {
  return names
    .filter((n) => field === `params.${n}` || field.startsWith(`params.${n}.`) || field.startsWith(`params.${n}[`))
    .sort((a, b) => b.length - a.length)[0];
}
