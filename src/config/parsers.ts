/**
 * The parsers of the documents a command reads: config.json (create, run), `exec --process` and
 * `update --resources`. By default the zod schemas of spec/ (zod is loaded on first use); the standalone
 * executable installs the same parsers compiled from those schemas at build time
 * (spec/codegen.ts, build/spec-parsers.js), which answer identically without loading zod.
 */
import type { ParseResult } from '../../spec/parse';
import type { LinuxResources, Process, Spec } from '../../spec';
import type { z } from 'zod';

export interface Parsers {
  config(json: unknown): ParseResult<Spec>;
  process(json: unknown): ParseResult<Process>;
  resources(json: unknown): ParseResult<LinuxResources>;
}

/** The schemas behind each parser (for spec/codegen.ts and its tests). Loads zod. */
export function parsedSchemas(): Record<keyof Parsers, z.ZodTypeAny> {
  const { Spec, Process } = require('../../spec/config') as typeof import('../../spec/config');
  const { LinuxResources } = require('../../spec/resources') as typeof import('../../spec/resources');
  return { config: Spec, process: Process, resources: LinuxResources };
}

let installed: (() => Parsers) | undefined;
let current: Parsers | undefined;

/** Install compiled parsers (made on first use). */
export function installParsers(make: () => Parsers): void {
  installed = make;
  current = undefined;
}

export function parsers(): Parsers {
  if (!current) {
    if (installed) current = installed();
    else {
      const { parseWith } = require('../../spec/parse') as typeof import('../../spec/parse');
      const schemas = parsedSchemas();
      current = {
        config: (json) => parseWith(schemas.config, json) as ParseResult<Spec>,
        process: (json) => parseWith(schemas.process, json) as ParseResult<Process>,
        resources: (json) => parseWith(schemas.resources, json) as ParseResult<LinuxResources>,
      };
    }
  }
  return current;
}
