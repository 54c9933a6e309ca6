import type { ZodError } from 'zod';
import { ValidationError } from './api-error.js';

/** Folds zod issues into `details.fields`: `"meta.title" → ["Must be a string."]`. */
export function fieldsOf(error: ZodError, fallbackField: string): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : fallbackField;
    const message =
      issue.code === 'unrecognized_keys'
        ? `Unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}.`
        : issue.message;
    (fields[key] ??= []).push(message);
  }
  return fields;
}

/** One 422 for every part of a request that failed its schema. */
export function validationErrorOf(parts: {
  pathParams?: ZodError | null;
  query?: ZodError | null;
  headers?: ZodError | null;
  body?: ZodError | null;
}): ValidationError {
  const fields: Record<string, string[]> = {};
  for (const [part, error] of Object.entries(parts)) {
    if (!error) continue;
    for (const [key, messages] of Object.entries(fieldsOf(error, part))) {
      (fields[key] ??= []).push(...messages);
    }
  }
  return new ValidationError(fields);
}
