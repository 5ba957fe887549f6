import { fs } from '../native/fs';
import * as path from '../linux/path';
import type { Spec } from '../../spec';
import { HeziError, sysText } from '../runtime/errors';
import { configWarnings, validate } from './validate';
import { log } from '../runtime/log';
import { parsers } from './parsers';

/**
 * Read and validate `<bundle>/config.json`. The schemas are reached here and only here (zod, or
 * the parsers compiled from its schemas: parsers.ts), so state, start, kill, delete never pay for them.
 */
export function loadConfig(bundle: string): Spec {
  const file = path.join(bundle, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new HeziError(code === 'ENOENT' ? `JSON specification file ${file} not found` : `read ${file}: ${sysText(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new HeziError(`${file}: invalid JSON: ${(e as Error).message}`);
  }
  // zod's config schemas, or the parsers compiled from them (parsers.ts)
  const parsed = parsers().config(json);
  if (!parsed.ok) throw new HeziError(`invalid config: ${parsed.errors.join('; ')}`);
  const problems = validate({ spec: parsed.value, bundle });
  if (problems.length) throw new HeziError(`invalid config: ${problems.join('; ')}`);
  for (const w of configWarnings({ spec: parsed.value, bundle })) log.warn(w);
  return parsed.value;
}
