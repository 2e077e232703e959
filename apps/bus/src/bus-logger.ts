import type { Settings } from '@junction/config';
import { MASK } from '@junction/transform';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Secrets that may sit in logged objects (request headers, settings, errors): written as `***`. */
export const LOG_REDACTIONS = [
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'headers["x-api-key"]',
  'headers["x-auth-token"]',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.token',
  'password',
  'token',
];

/** The bus's structured JSON log (pino), every line naming the service and instance. */
export function busLogger(settings: Pick<Settings, 'LOG_LEVEL' | 'INSTANCE_ID'>, destination?: DestinationStream): Logger {
  const options = {
    level: settings.LOG_LEVEL,
    base: { service: 'junction', instance: settings.INSTANCE_ID },
    redact: { paths: LOG_REDACTIONS, censor: MASK },
  };
  return destination ? pino(options, destination) : pino(options);
}
