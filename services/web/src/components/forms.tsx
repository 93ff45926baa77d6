// Form pieces shared by the login, register, profile and new-room forms.

import { useId } from 'react';
import { ApiError } from '../api';

export interface Errors {
  message: string | null;
  fields: Record<string, string>;
}

export const noErrors: Errors = { message: null, fields: {} };

/** Splits an API error into errors shown under known fields and a message for the rest. */
export function toErrors(e: unknown, known: string[]): Errors {
  if (!(e instanceof ApiError)) return { message: 'Something went wrong. Please try again.', fields: {} };
  if (e.status === 429) {
    const wait = e.retryAfter !== null && e.retryAfter > 0 ? ` in ${Math.ceil(e.retryAfter)} s` : ' in a moment';
    return { message: `Too many attempts. Try again${wait}.`, fields: {} };
  }
  const fields: Record<string, string> = {};
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(e.fields)) {
    if (known.includes(k)) fields[k] = v;
    else unknown.push(v);
  }
  const shownUnderFields = Object.keys(fields).length > 0;
  const message = unknown.length > 0 ? unknown.join(' ') : shownUnderFields ? null : e.message;
  return { message, fields };
}

/** A labelled input with its error under it (`<testId>-error`), tied by aria-describedby. */
export function Field(props: {
  name: string;
  testId: string;
  label: string;
  type?: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  autoComplete?: string;
  maxLength?: number;
  required?: boolean;
  hint?: string;
  /** What the field takes, shown under it before anything is submitted. */
  note?: string;
}) {
  const id = useId();
  const errId = `${id}-err`;
  const noteId = `${id}-note`;
  const described = [props.note ? noteId : null, props.error ? errId : null].filter(Boolean).join(' ');
  return (
    <div className={`field${props.error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        data-testid={props.testId}
        type={props.type ?? 'text'}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        autoComplete={props.autoComplete ?? 'off'}
        maxLength={props.maxLength}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={described === '' ? undefined : described}
        placeholder={props.hint}
      />
      {props.note && !props.error && (
        <p className="field-note" id={noteId} data-testid={`${props.testId}-note`}>
          {props.note}
        </p>
      )}
      {props.error && (
        <p className="field-error" id={errId} data-testid={`${props.testId}-error`}>
          {props.error}
        </p>
      )}
    </div>
  );
}

