// The processors the server runs, as GET /api/v1/processors describes them, validated.

import { malformed, type KilnHttp } from '../live';

export interface ParamSchema {
  type: 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  default?: unknown;
  enum?: string[];
  minimum?: number;
  maximum?: number;
}

export interface ProcessorInfo {
  name: string;
  description: string;
  accepts: string[];
  params: { properties: Record<string, ParamSchema>; required?: string[] };
  resultFormats: string[];
  details: Record<string, unknown>;
}

function isProcessor(value: unknown): value is ProcessorInfo {
  const p = value as ProcessorInfo;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.name === 'string' &&
    typeof p.description === 'string' &&
    Array.isArray(p.accepts) &&
    p.accepts.every((a) => typeof a === 'string') &&
    typeof p.params === 'object' &&
    p.params !== null &&
    typeof (p.params.properties ?? {}) === 'object' &&
    Array.isArray(p.resultFormats)
  );
}

export async function loadProcessors(http: KilnHttp): Promise<ProcessorInfo[]> {
  const body = (await http.call('/api/v1/processors')) as { items?: unknown };
  if (!Array.isArray(body.items) || !body.items.every(isProcessor)) throw malformed('processor list');
  return body.items.map((p) => ({
    ...p,
    params: { properties: p.params.properties ?? {}, required: p.params.required },
  }));
}

/** Whether a processor takes a file of this type; an unknown type (the browser could not tell) is left to the server. */
export function accepts(processor: ProcessorInfo, mediaType: string): boolean {
  if (!mediaType) return true;
  return processor.accepts.some(
    (pattern) =>
      pattern === '*/*' ||
      pattern === mediaType ||
      (pattern.endsWith('/*') && mediaType.startsWith(pattern.slice(0, -1))),
  );
}

/** The schema's defaults, the starting values of a params form. */
export function defaults(processor: ProcessorInfo): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(processor.params.properties)) {
    if (schema.default !== undefined) values[name] = schema.default;
  }
  return values;
}
