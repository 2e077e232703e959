import { Writable } from 'node:stream';
import { busLogger } from './bus-logger';

function capture() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, log: busLogger({ LOG_LEVEL: 'debug', INSTANCE_ID: 'i-1' }, stream) };
}

describe('bus logger', () => {
  it('writes JSON lines naming the service and instance', () => {
    const { lines, log } = capture();
    log.info({ messageId: 'm-1', traceId: 't-1' }, 'delivered');
    expect(lines[0]).toMatchObject({ service: 'junction', instance: 'i-1', messageId: 'm-1', traceId: 't-1', msg: 'delivered' });
  });

  it('masks credentials wherever they sit in a logged object', () => {
    const { lines, log } = capture();
    log.warn({
      headers: { authorization: 'Bearer s3cret', cookie: 'junction_session=abc', 'x-api-key': 'k-1', accept: 'text/xml' },
      req: { headers: { authorization: 'Basic eDp5' } },
      audit: { password: 'pw-1', user: 'ops' },
      token: 'tok-1',
    });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['s3cret', 'junction_session=abc', 'k-1', 'eDp5', 'pw-1', 'tok-1']) expect(text).not.toContain(secret);
    expect(lines[0].headers).toEqual({ authorization: '***', cookie: '***', 'x-api-key': '***', accept: 'text/xml' });
    expect(lines[0].audit.user).toBe('ops');
  });
});
