import { isAmqpUrl, redactCredentials, safeUrl } from './amqp-url';

describe('isAmqpUrl', () => {
  it.each([
    ['amqp://guest:guest@127.0.0.1:5672', true],
    ['amqps://rabbit.example.com/prod', true],
    ['AMQP://host', true],
    ['http://host:5672', false],
    ['amqp://', false],
    ['${RABBIT_URL}', false],
    ['not a url', false],
  ])('%s -> %s', (url, expected) => {
    expect(isAmqpUrl(url)).toBe(expected);
  });
});

describe('safeUrl', () => {
  it.each([
    ['amqp://guest:guest@127.0.0.1:5672', 'amqp://127.0.0.1:5672/'],
    ['amqp://user:s3cret@Rabbit.Example.com/', 'amqp://rabbit.example.com:5672/'],
    ['amqps://user:s3cret@rabbit.example.com/prod?heartbeat=30', 'amqps://rabbit.example.com:5671/prod'],
    ['amqp://rabbit/%2f', 'amqp://rabbit:5672/'],
    ['amqp://rabbit:5673/my%20vhost', 'amqp://rabbit:5673/my%20vhost'],
  ])('%s -> %s (credentials and query gone, one form per broker and vhost)', (url, expected) => {
    expect(safeUrl(url)).toBe(expected);
  });

  it('removes a userinfo from text that is not a URL yet (a placeholder as written)', () => {
    expect(safeUrl('${RABBIT_URL}')).toBe('${RABBIT_URL}');
    expect(safeUrl('amqp://app:${PASSWORD}@rabbit')).not.toContain('app');
  });
});

describe('redactCredentials', () => {
  it('strips the userinfo of every URL in a message and leaves the rest', () => {
    const text = 'connect to amqp://app:pa55@rabbit:5672/prod failed; then amqps://u@other/x; see http://docs/x';
    expect(redactCredentials(text)).toBe('connect to amqp://rabbit:5672/prod failed; then amqps://other/x; see http://docs/x');
  });
});
