import type { Settings } from '@junction/config';
import { parseDuration } from '@junction/core';
import type { CompiledRoute } from '@junction/routing';
import type { RetentionPolicy } from '@junction/store';

/** The journal's retention as the settings and the loaded routes say (durations were validated when loaded). */
export function retentionPolicy(settings: Settings, routes: readonly CompiledRoute[]): RetentionPolicy {
  const routeAgeMs: Record<string, number> = {};
  for (const route of routes) {
    const age = route.def.retention?.age;
    if (age !== undefined) routeAgeMs[route.id] = parseDuration(age)!;
  }
  return {
    ageMs: parseDuration(settings.JOURNAL_RETENTION)!,
    deadLetterAgeMs: parseDuration(settings.DEAD_LETTER_RETENTION)!,
    routeAgeMs,
    ...(settings.JOURNAL_MAX_BYTES === undefined ? {} : { maxBytes: settings.JOURNAL_MAX_BYTES }),
  };
}
