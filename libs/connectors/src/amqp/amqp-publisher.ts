import { DeliveryError, type Logger } from '@junction/core';
import type { ChannelModel, ConfirmChannel, Message as AmqpMessage, Options } from 'amqplib';
import { openConnection } from './amqp-connection';
import { redactCredentials, safeUrl } from './amqp-url';

/** One message waiting for its confirm; `returned` is set when the broker handed it back as unroutable. */
interface InFlight {
  readonly key: string;
  returned?: string;
}

interface Link {
  readonly connection: ChannelModel;
  readonly channel: ConfirmChannel;
  /** Why the broker closed the channel or connection (a NOT_FOUND exchange...), once it did. */
  reason?: Error;
}

/** What one publish is. */
export interface Publication {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly options: Options.Publish & { readonly messageId: string };
  readonly timeoutMs: number;
  /** Names the target in errors (no credentials). */
  readonly description: string;
}

/**
 * The bus's publishing link to one broker: one connection and one confirm channel, opened on the first publish and
 * opened again on the publish after it closed (a broker restart, a forced close, a channel error). A publish resolves
 * once the broker confirmed the message; it rejects with a DeliveryError: retriable on a nack, a time-out, a lost or
 * unreachable connection (trying again may succeed); not retriable when a `mandatory` message was returned as
 * unroutable (no queue is bound for it: the same message would be returned again) or could not be encoded.
 */
export class AmqpPublisher {
  private link?: Promise<Link>;
  /** The link in use once open: a close event from an older one changes nothing. */
  private live?: Link;
  /** Publishes awaiting their confirm, by message id, exchange and routing key: how a returned message is matched. */
  private readonly waiting = new Map<string, InFlight[]>();
  private closed = false;

  constructor(
    private readonly url: string,
    /** The `connection_name` the broker shows for this link. */
    private readonly name: string,
    private readonly log: Logger,
  ) {}

  async publish(p: Publication, signal?: AbortSignal): Promise<void> {
    const entry: InFlight = { key: returnKey(p.options.messageId, p.exchange, p.routingKey) };
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        const fail = (code: string, message: string, retriable: boolean, cause?: unknown) => {
          settled = true;
          reject(new DeliveryError(code, `${p.description}: ${redactCredentials(message)}`, { retriable, cause }));
        };
        timer = setTimeout(() => fail('AMQP_CONFIRM_TIMEOUT', `not confirmed by the broker within ${p.timeoutMs} ms`, true), p.timeoutMs);
        onAbort = () => fail('AMQP_ABORTED', 'publish abandoned', true);
        signal?.addEventListener('abort', onAbort, { once: true });
        if (signal?.aborted) return onAbort();
        this.channel().then(
          (link) => {
            // Given up (timed out, aborted) while the link opened: not sent at all, rather than sent unawaited.
            if (settled) return;
            this.track(entry);
            try {
              link.channel.publish(p.exchange, p.routingKey, p.content, p.options, (err: unknown) => {
                // A channel the broker closed fails its unconfirmed messages with "channel closed": its reason says why.
                if (err) fail('AMQP_NOT_CONFIRMED', (link.reason ?? (err instanceof Error ? err : new Error(String(err)))).message, true, err);
                else if (entry.returned !== undefined) fail('AMQP_UNROUTABLE', `returned by the broker as unroutable (${entry.returned})`, false);
                else resolve();
              });
            } catch (err) {
              // amqplib throws when the channel is already closed (try again) or when the message cannot be encoded
              // (headers too large: the same message would fail again).
              const encoding = err instanceof RangeError || err instanceof TypeError;
              fail(encoding ? 'AMQP_PUBLISH_INVALID' : 'AMQP_NOT_CONFIRMED', err instanceof Error ? err.message : String(err), !encoding, err);
            }
          },
          (err: unknown) => fail('AMQP_UNREACHABLE', `cannot reach ${safeUrl(this.url)}: ${err instanceof Error ? err.message : String(err)}`, true, err),
        );
      });
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      this.untrack(entry);
    }
  }

  /** Closes the channel and connection; publishes still waiting fail (retriable), and later ones open a new link. */
  async close(): Promise<void> {
    this.closed = true;
    const link = this.link;
    this.link = undefined;
    const open = await link?.catch(() => undefined);
    await open?.connection.close().catch(() => undefined);
  }

  private channel(): Promise<Link> {
    if (this.closed) return Promise.reject(new Error('the AMQP egress is closed'));
    if (!this.link) {
      const link = this.open();
      this.link = link;
      // A failed attempt is forgotten, so that the next publish tries again.
      link.catch(() => {
        if (this.link === link) this.link = undefined;
      });
    }
    return this.link;
  }

  private async open(): Promise<Link> {
    const connection = await openConnection(this.url, this.name);
    let channel: ConfirmChannel;
    try {
      channel = await connection.createConfirmChannel();
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw err;
    }
    const link: Link = { connection, channel };
    const drop = () => {
      if (this.live !== link) return;
      this.live = undefined;
      this.link = undefined;
      this.log.warn({ url: safeUrl(this.url), err: redactCredentials(link.reason?.message ?? 'closed') }, 'AMQP publishing connection closed: the next message opens a new one');
      void connection.close().catch(() => undefined);
    };
    channel.on('error', (err: Error) => void (link.reason ??= err));
    connection.on('error', (err: Error) => void (link.reason ??= err));
    channel.on('close', drop);
    connection.on('close', drop);
    channel.on('return', (msg: AmqpMessage) => this.returned(msg));
    this.live = link;
    return link;
  }

  private returned(msg: AmqpMessage): void {
    const key = returnKey(String(msg.properties.messageId ?? ''), msg.fields.exchange, msg.fields.routingKey);
    // The broker sends basic.return before the confirm of the same message: the oldest unreturned one is it.
    const entry = this.waiting.get(key)?.find((e) => e.returned === undefined);
    if (entry) entry.returned = String((msg.fields as { replyText?: unknown }).replyText ?? 'NO_ROUTE');
  }

  private track(entry: InFlight): void {
    const list = this.waiting.get(entry.key);
    if (list) list.push(entry);
    else this.waiting.set(entry.key, [entry]);
  }

  private untrack(entry: InFlight): void {
    const list = this.waiting.get(entry.key);
    if (!list) return;
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.waiting.delete(entry.key);
  }
}

function returnKey(messageId: string, exchange: string, routingKey: string): string {
  return `${messageId}\u0000${exchange}\u0000${routingKey}`;
}
