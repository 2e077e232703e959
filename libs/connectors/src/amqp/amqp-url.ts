/**
 * AMQP URLs as the bus shows them. A URL may carry a user name and password (from `${ENV}` or the AMQP_URL setting):
 * every log line, status, key and description goes through these functions, which never return the userinfo.
 */

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'amqp:': '5672', 'amqps:': '5671' };

/** Whether `url` is an absolute amqp:// or amqps:// URL with a host. */
export function isAmqpUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const u = new URL(url);
  return (u.protocol === 'amqp:' || u.protocol === 'amqps:') && u.hostname !== '';
}

/**
 * An AMQP URL without credentials or query, in one form for one broker and virtual host: scheme and host in lower
 * case, the port written out, the virtual host at the end (`/` for the default one, as amqplib reads an empty path).
 * Text that is not a URL (a `${PLACEHOLDER}` as written) comes back with anything before an `@` removed.
 */
export function safeUrl(url: string): string {
  if (!isAmqpUrl(url)) return redactCredentials(url);
  const u = new URL(url);
  const port = u.port || DEFAULT_PORTS[u.protocol];
  const vhost = decodeURIComponent(u.pathname.slice(1)) || '/';
  // Non-special schemes keep the host as written: lower-cased here, host names being case-insensitive.
  return `${u.protocol}//${u.hostname.toLowerCase()}:${port}/${vhost === '/' ? '' : encodeURIComponent(vhost)}`;
}

/**
 * `text` with the userinfo of every URL in it removed: client and broker error messages may quote the URL they were
 * given.
 */
export function redactCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1');
}
