const CHARSET = /;\s*charset\s*=\s*"?([\w.:-]+)"?/i;

/** The `charset` parameter of a content type, as written (unquoted), or undefined when it has none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  return contentType === undefined ? undefined : CHARSET.exec(contentType)?.[1];
}
