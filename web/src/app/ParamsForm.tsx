import { useId, useMemo, useState } from 'react';
import { collect, fieldErrors, formFields, initialValues, WHOLE, type FormField, type FormValues } from './paramsForm';
import type { ProcessorInfo } from './processors';
import { useChanged } from './useChanged';
import { ErrorLine } from './ErrorLine';

/** A params form's state: it starts from the schema's defaults again whenever another processor is chosen. */
export function useParamsForm(processor: ProcessorInfo | undefined) {
  const fields = useMemo(() => (processor ? formFields(processor.params) : []), [processor]);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  if (useChanged([processor?.name])) {
    setValues(initialValues(fields));
    setErrors({});
  }
  return {
    fields,
    values,
    errors,
    change(name: string, value: string | boolean) {
      setValues((current) => ({ ...current, [name]: value }));
      setErrors((current) => {
        const next = { ...current };
        delete next[name];
        return next;
      });
    },
    /** The params to send, or undefined after showing what is wrong with the inputs. */
    params(): Record<string, unknown> | undefined {
      const collected = collect(fields, values);
      if ('errors' in collected) {
        setErrors(collected.errors);
        return undefined;
      }
      setErrors({});
      return collected.params;
    },
    /** Shows a refused submission's errors next to the fields they name. */
    refused(error: unknown) {
      setErrors(fieldErrors(error, fields));
    },
  };
}

/** The inputs of a params form, each with its hint and, after a refusal, what was wrong with it. */
export function ParamsForm({
  fields,
  values,
  errors,
  onChange,
}: {
  fields: FormField[];
  values: FormValues;
  errors: Record<string, string>;
  onChange(name: string, value: string | boolean): void;
}) {
  return (
    <>
      {fields.map((f) => (
        <ParamInput
          key={f.name}
          field={f}
          value={values[f.name]}
          error={errors[f.name]}
          onChange={(v) => onChange(f.name, v)}
        />
      ))}
      {errors[WHOLE] && !fields.some((f) => f.name === WHOLE) && <ErrorLine>{errors[WHOLE]}</ErrorLine>}
    </>
  );
}

function ParamInput({
  field,
  value,
  error,
  onChange,
}: {
  field: FormField;
  value: string | boolean | undefined;
  error?: string;
  onChange(v: string | boolean): void;
}) {
  const id = useId();
  const described = [field.help && `${id}-help`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  const common = { 'aria-describedby': described, 'aria-invalid': error ? true : undefined };
  const notes = (
    <>
      {field.help && field.help !== field.label && (
        <span id={`${id}-help`} className="hint">
          {field.help}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} role="alert" className="field-error" data-testid={`error-${field.name}`}>
          {error}
        </span>
      )}
    </>
  );
  if (field.kind === 'boolean') {
    return (
      <div className="param">
        <label className="checkbox">
          <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} {...common} />{' '}
          {field.label}
        </label>
        {notes}
      </div>
    );
  }
  const text = typeof value === 'string' ? value : '';
  let input;
  if (field.kind === 'enum') {
    input = (
      <select value={text} required={field.required} onChange={(e) => onChange(e.target.value)} {...common}>
        {(field.default === undefined || !field.required) && <option value="">—</option>}
        {field.options?.map((option, i) => (
          <option key={i} value={String(i)}>
            {String(option)}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'json') {
    input = (
      <textarea
        value={text}
        rows={4}
        spellCheck={false}
        className="json"
        placeholder={field.required ? 'JSON (required)' : 'JSON'}
        required={field.required}
        onChange={(e) => onChange(e.target.value)}
        {...common}
      />
    );
  } else {
    const numeric = field.kind !== 'text';
    input = (
      <input
        type={numeric ? 'number' : 'text'}
        value={text}
        required={field.required}
        min={field.minimum}
        max={field.maximum}
        minLength={field.minLength}
        maxLength={field.maxLength}
        step={numeric ? (field.kind === 'integer' ? 1 : 'any') : undefined}
        onChange={(e) => onChange(e.target.value)}
        {...common}
      />
    );
  }
  return (
    <div className="param">
      <label>
        <span>
          {field.label}
          {field.required && <span className="required"> (required)</span>}
        </span>
        {input}
      </label>
      {notes}
    </div>
  );
}
