import type { z } from 'zod';
import { SettingsSchema, type SettingName } from './settings.schema';

/** One environment variable, for documentation. `default` is undefined for a setting that is unset by default. */
export interface SettingDoc {
  readonly name: SettingName;
  readonly default: string | undefined;
  readonly description: string;
}

function defaultOf(schema: z.core.$ZodType): string | undefined {
  const def = schema._zod.def;
  if (def.type !== 'default') return undefined;
  return String((def as z.core.$ZodDefaultDef).defaultValue);
}

/** Every setting in schema order, derived from `SettingsSchema` (its defaults and `.describe()` texts). */
export const SETTINGS_DOC: readonly SettingDoc[] = Object.entries(SettingsSchema.shape).map(([name, schema]) => ({
  name: name as SettingName,
  default: defaultOf(schema),
  description: schema.description ?? '',
}));

/** The settings as a Markdown table for the README: variable, default, meaning. */
export function settingsMarkdownTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = SETTINGS_DOC.map((s) => `| \`${s.name}\` | ${s.default === undefined ? '(unset)' : `\`${cell(s.default)}\``} | ${cell(s.description)} |`);
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n') + '\n';
}
