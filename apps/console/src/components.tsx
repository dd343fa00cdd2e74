import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from 'react';
import { ApiError, type Progress, getAll } from './api';

/**
 * Every item of a keyset-paginated list, loaded when the page opens; `load(minPosition)` reads it again
 * once the read models have applied a command's position.
 */
export function useList<Item>(path: string, field: string) {
  const [items, setItems] = useState<Item[]>([]);
  const [error, setError] = useState<unknown>();
  const load = useCallback(
    async (minPosition?: number) => {
      try {
        setItems(await getAll<Item>(path, field, minPosition));
        setError(undefined);
      } catch (failure) {
        setError(failure);
      }
    },
    [path, field],
  );
  useEffect(() => void load(), [load]);
  return { items, error, load };
}

/** The API's problem+json, as the operator reads it: title, detail and each bad field. */
export function ProblemMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const problem =
    error instanceof ApiError
      ? error.problem
      : { title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };
  return (
    <div role="alert" className="problem">
      <strong>{problem.title}</strong>
      {problem.detail ? <span>: {problem.detail}</span> : null}
      {'errors' in problem && problem.errors?.length ? (
        <ul>
          {problem.errors.map(({ field, message }) => (
            <li key={field + message}>
              <code>{field}</code>: {message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * A form that sends one request: shows the problem the API answered, or `done` after success.
 * Fields are re-enabled once the answer is in.
 */
export function ActionForm({
  label,
  submit,
  onDone,
  children,
}: {
  label: string;
  submit: (form: FormData) => Promise<string>;
  onDone?: () => void;
  children: ReactNode;
}) {
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await submit(new FormData(event.currentTarget)));
      onDone?.();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={onSubmit} aria-label={label} className="action">
      <fieldset disabled={busy}>
        <legend>{label}</legend>
        {children}
        <button type="submit">{label}</button>
      </fieldset>
      <ProblemMessage error={error} />
      {done ? (
        <p role="status" className="done">
          {done}
        </p>
      ) : null}
    </form>
  );
}

export function Field({
  label,
  name,
  type = 'text',
  required = true,
  defaultValue,
  ...rest
}: {
  label: string;
  name: string;
  type?: string;
  required?: boolean;
  defaultValue?: string;
  min?: number;
  step?: number;
  placeholder?: string;
}) {
  return (
    <label>
      <span>{label}</span>
      <input name={name} type={type} required={required} defaultValue={defaultValue} {...rest} />
    </label>
  );
}

/** A positive whole number from a form field, as the API expects it (it refuses anything else). */
export const wholeNumber = (form: FormData, name: string): number => Number(form.get(name));
export const text = (form: FormData, name: string): string => String(form.get(name) ?? '').trim();

/** How far a long run has got: a progress bar, and the events done, the rate and the time left. */
export function ProgressReport({ progress }: { progress?: Progress }) {
  if (!progress) return null;
  const { phase, done, unit, position, until, rate, secondsLeft } = progress;
  const share = position !== undefined && until ? Math.min(1, position / until) : undefined;
  return (
    <div className="progress" role="status" aria-live="polite">
      <progress aria-label={`${phase} progress`} value={share ?? undefined} max={1} />
      <span>
        {phase}: {done.toLocaleString('en')} {unit}, {rate.toLocaleString('en')}/s
        {secondsLeft !== undefined ? `, ${secondsLeft} s left` : ''}
      </span>
    </div>
  );
}

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** What a read-only key sees where a control needs a scope it lacks. */
export function NeedsScope({ scope, what }: { scope: string; what: string }) {
  return (
    <p className="muted">
      {what} needs a key with the <code>{scope}</code> scope.
    </p>
  );
}
