/** The logging surface libraries use: pino's shape (object first, message second), so pino fits as it is. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything, for tools and tests that do not log. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
