/**
 * parseConfig / parseState / parseFeatures: schema validation of an already JSON.parse'd
 * document, returning the typed value or one error line per problem (format: errors.ts).
 *
 * Schema layer only: types, required properties, enums, integer ranges and patterns from the
 * JSON schemas. Semantic rules (args non-empty, absolute paths, known capabilities, namespace
 * consistency, ...) belong to src/config/validate.ts.
 */
import type { z } from 'zod';
import { Spec } from './config';
import { formatIssues } from './errors';
import { Features } from './features';
import { ContainerProcessState } from './seccomp';
import { State } from './state';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Validate `json` against `schema`. Unknown properties are dropped from `value`. */
export function parseWith<S extends z.ZodTypeAny>(schema: S, json: unknown): ParseResult<z.infer<S>> {
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data as z.infer<S> };
  return { ok: false, errors: formatIssues(r.error) };
}

/** config.json. */
export function parseConfig(json: unknown): ParseResult<Spec> {
  return parseWith(Spec, json);
}

/** A state document (runtime.md "State"). */
export function parseState(json: unknown): ParseResult<State> {
  return parseWith(State, json);
}

/** A Features structure (features.md). */
export function parseFeatures(json: unknown): ParseResult<Features> {
  return parseWith(Features, json);
}

/** A seccomp listener payload (config-linux.md "The Container Process State"). */
export function parseContainerProcessState(json: unknown): ParseResult<ContainerProcessState> {
  return parseWith(ContainerProcessState, json);
}
