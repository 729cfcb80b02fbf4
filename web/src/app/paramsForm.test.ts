import { describe, expect, it } from 'vitest';
import { HttpError } from '../live';
import { collect, fieldErrors, formFields, initialValues, paramName, WHOLE } from './paramsForm';
import type { SchemaObject } from './processors';

const schema: SchemaObject = {
  type: 'object',
  required: ['size', 'seed'],
  properties: {
    size: { type: 'integer', minimum: 4, maximum: 19, default: 9, description: 'Board size' },
    rate: { type: ['number', 'null'], minimum: 0 },
    name: { type: 'string', title: 'Run name', maxLength: 40 },
    fast: { type: 'boolean', default: true },
    level: { enum: [1, 2, 3], default: 2 },
    seed: { type: 'integer' },
    lineup: { type: 'array', items: { type: 'object' }, default: [{ id: 1 }] },
    options: { type: 'object' },
    either: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
    anything: true,
  },
};

describe('the params form', () => {
  it('has an input per property, with its limits and defaults, and a JSON box for the rest', () => {
    const fields = formFields(schema);
    expect(fields.map((f) => [f.name, f.kind])).toEqual([
      ['size', 'integer'],
      ['rate', 'number'],
      ['name', 'text'],
      ['fast', 'boolean'],
      ['level', 'enum'],
      ['seed', 'integer'],
      ['lineup', 'json'],
      ['options', 'json'],
      ['either', 'json'],
      ['anything', 'json'],
    ]);
    expect(fields[0]).toMatchObject({ label: 'size', help: 'Board size', minimum: 4, maximum: 19, required: true });
    expect(fields[2]).toMatchObject({ label: 'Run name', maxLength: 40, required: false });
    expect(fields[4].options).toEqual([1, 2, 3]);
    expect(initialValues(fields)).toEqual({ size: '9', fast: true, level: '1', lineup: '[\n  {\n    "id": 1\n  }\n]' });
  });

  it('edits a schema without properties as one JSON object, and a bare object schema not at all', () => {
    expect(formFields({ type: 'object' })).toEqual([]);
    const whole = formFields({ type: 'object', additionalProperties: { type: 'integer' } });
    expect(whole).toMatchObject([{ name: WHOLE, kind: 'json' }]);
    expect(collect(whole, { [WHOLE]: '{"a": 1}' })).toEqual({ params: { a: 1 } });
    expect(collect(whole, { [WHOLE]: '[1]' })).toEqual({ errors: { [WHOLE]: 'must be a JSON object' } });
    expect(collect(whole, {})).toEqual({ params: {} });
  });

  it('turns the inputs into params of the schema types, leaving empty ones out', () => {
    const fields = formFields(schema);
    const values = { ...initialValues(fields), rate: '0.5', name: '', seed: '42', options: ' ', either: '"x"' };
    expect(collect(fields, values)).toEqual({
      params: { size: 9, rate: 0.5, fast: true, level: 2, seed: 42, lineup: [{ id: 1 }], either: 'x' },
    });
    expect(collect(fields, { level: '' })).toEqual({ params: {} });
  });

  it('says which inputs cannot be read before anything is sent', () => {
    const fields = formFields(schema);
    expect(collect(fields, { size: '9.5', rate: 'abc', lineup: '[{', fast: false })).toEqual({
      errors: {
        size: 'must be a whole number',
        rate: 'must be a number',
        lineup: expect.stringMatching(/^is not valid JSON/),
      },
    });
  });

  it("puts the server's invalid_params errors next to the fields they name", () => {
    const fields = formFields({
      type: 'object',
      properties: { size: { type: 'integer' }, 'a.b': { type: 'string' }, lineup: { type: 'array' } },
    });
    const refused = new HttpError(400, 'invalid_params', '2 parameters are invalid.', {
      code: 'invalid_params',
      errors: [
        { field: 'params.size', message: 'must be at most 19' },
        { field: 'params.lineup[2].id', message: 'is required' },
        { field: 'params.a.b', message: 'is too long' },
        { field: 'params', message: 'has an unknown property' },
        { field: 'params.size', message: 'must be odd' },
      ],
    });
    expect(fieldErrors(refused, fields)).toEqual({
      size: 'must be at most 19; must be odd',
      lineup: 'lineup[2].id: is required',
      'a.b': 'is too long',
      [WHOLE]: 'has an unknown property',
    });
    expect(fieldErrors(new HttpError(429, 'too_many_jobs', 'Too many waiting jobs.'), fields)).toEqual({
      [WHOLE]: 'Too many waiting jobs.',
    });
    expect(paramName('params.sizes', ['size'])).toBeUndefined();
    expect(paramName('params.a.b.c', ['a', 'a.b'])).toBe('a.b');
  });
});
