/**
 * Polls `predicate` every `intervalMs` until it returns true. Rejects after `timeoutMs` with an error naming `what`
 * (and the last error the predicate threw, if any, as the message's tail and `cause`). A predicate that throws is
 * polled again: a server that is not up yet is the usual reason.
 */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await predicate()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
  const message = `timed out after ${timeoutMs} ms waiting for ${what}`;
  if (lastError === undefined) throw new Error(message);
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(`${message} (last error: ${reason})`, { cause: lastError });
}
