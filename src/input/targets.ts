import { dirname, relative, resolve } from 'node:path';
import { z } from 'zod';
import { includesCredentials } from '../fetch-standard/rules.ts';
import { Policy } from '../policy/policy.ts';
import { check, fieldPath, InputError, type Problem, readJson, readJsonFile } from './data-file.ts';

/**
 * A targets file (CORS_TARGETS): every endpoint of a realm or an API in one run, each with its policy.
 *
 * {
 *   "defaults": { "pageOrigin": "https://app.acme.com", "policy": { "allowOrigin": ["https://app.acme.com"] } },
 *   "targets": [
 *     { "name": "orders", "url": "https://api.acme.com/orders", "policy": "./orders-policy.json" },
 *     { "name": "stock", "url": "https://api.acme.com/stock", "policy": { "methods": ["GET", "OPTIONS"] } }
 *   ]
 * }
 *
 * A target's policy is a file (a path relative to the targets file) or the policy itself; the fields of
 * `defaults.policy` apply to every target that does not state them. Each target runs the catalogue's
 * endpoint scenarios and its own contract.
 */

/** A target's name: a test's title path holds it, so it is short, unique and plain. */
const TargetName = z
  .string()
  .regex(
    /^[A-Za-z0-9][\w.-]{0,63}$/,
    'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

const RawPolicy = z.record(z.string(), z.unknown(), { error: 'must be a JSON object' });

const TargetEntry = z
  .object({
    name: TargetName,
    url: z.url({ protocol: /^https?$/, error: 'must be an absolute http or https URL' }).refine((u) => {
      const url = new URL(u);
      return !includesCredentials(url) && url.hash === '';
    }, 'must carry no user, password or #fragment: fetch() refuses a URL with credentials'),
    policy: z.union([z.string().min(1), RawPolicy], {
      error: 'must be the path of a policy file (relative to the targets file) or a policy object',
    }),
    /** The origin of the page calling this target (default: the file's, else by the URL's scheme). */
    pageOrigin: z.string().optional(),
  })
  .strict();

export const TargetsFile = z
  .object({
    defaults: z
      .object({
        pageOrigin: z.string().optional(),
        /** Policy fields every target has unless its own policy states them. */
        policy: RawPolicy.optional(),
      })
      .strict()
      .optional(),
    targets: z.array(TargetEntry).min(1, 'list at least one target'),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.targets.forEach((t, i) => {
      const first = seen.get(t.name.toLowerCase());
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'name'],
          message: `"${t.name}" is also targets[${first}]'s name`,
        });
      else seen.set(t.name.toLowerCase(), i);
    });
  });
export type TargetsFile = z.output<typeof TargetsFile>;

/** One target of the file, its policy read and validated. */
export interface ResolvedTarget {
  name: string;
  url: URL;
  policy: Policy;
  /** Where the policy is stated, as reports name it: its file, or the targets file's field. */
  policyFile: string;
  pageOrigin: string | undefined;
  /** Where pageOrigin was stated: the target itself, or the file's defaults. */
  pageOriginFrom: 'target' | 'defaults' | null;
}

/** Reads a targets file; every problem names the file (the targets file or a policy file) and the field. */
export function readTargetsFile(file: string): ResolvedTarget[] {
  const parsed = readJsonFile(file, TargetsFile);
  const problems: Problem[] = [];
  const shown = relative(process.cwd(), file) || file;
  const targets: ResolvedTarget[] = [];
  parsed.targets.forEach((target, i) => {
    let raw: Record<string, unknown>;
    let policyFile: string;
    let prefix: Array<string | number> = [];
    if (typeof target.policy === 'string') {
      const path = resolve(dirname(file), target.policy);
      const read = readJson(path);
      if (!read.ok) {
        problems.push(
          ...read.problems.map((p) => ({ ...p, field: `${p.field} (targets[${i}].policy in ${shown})` })),
        );
        return;
      }
      if (typeof read.value !== 'object' || read.value === null || Array.isArray(read.value)) {
        problems.push({ file: path, field: '(file)', message: 'must be a JSON object (a policy)' });
        return;
      }
      raw = read.value as Record<string, unknown>;
      policyFile = relative(process.cwd(), path) || path;
    } else {
      raw = target.policy;
      policyFile = `${shown} targets[${i}].policy`;
      prefix = ['targets', i, 'policy'];
    }
    const merged = { ...(parsed.defaults?.policy ?? {}), ...raw };
    const checked = check(typeof target.policy === 'string' ? policyFile : file, merged, Policy);
    if (!checked.ok) {
      for (const p of checked.problems) {
        const key = p.field.split(/[.[]/)[0] ?? '';
        const fromDefaults = parsed.defaults?.policy && key in parsed.defaults.policy && !(key in raw);
        problems.push({
          file: fromDefaults ? file : p.file,
          field: fromDefaults
            ? `defaults.policy.${p.field} (for targets[${i}] "${target.name}")`
            : prefix.length > 0
              ? `${fieldPath(prefix)}.${p.field}`
              : p.field,
          message: p.message,
        });
      }
      return;
    }
    targets.push({
      name: target.name,
      url: new URL(target.url),
      policy: checked.data,
      policyFile,
      pageOrigin: target.pageOrigin ?? parsed.defaults?.pageOrigin,
      pageOriginFrom: target.pageOrigin ? 'target' : parsed.defaults?.pageOrigin ? 'defaults' : null,
    });
  });
  if (problems.length > 0) throw new InputError(problems);
  return targets;
}
