/**
 * A broker URL (amqp:, mqtt:...) fit for a console line: the password, if any, shown as `***`. A string that is not a
 * URL is shown as it is (the caller has validated it, or is reporting that it is wrong).
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (!parsed.password) return url;
  parsed.password = '***';
  return parsed.toString();
}
