import { redactUrl } from './broker-url';

describe('redactUrl', () => {
  it.each([
    ['amqp://guest:guest@127.0.0.1:5672', 'amqp://guest:***@127.0.0.1:5672'],
    ['amqps://ops:s3cret@rabbit.example:5671/prod', 'amqps://ops:***@rabbit.example:5671/prod'],
    ['mqtt://device:pw@127.0.0.1:1883', 'mqtt://device:***@127.0.0.1:1883'],
    ['mqtt://127.0.0.1:1883', 'mqtt://127.0.0.1:1883'],
    ['amqp://user@host', 'amqp://user@host'],
    ['not a url', 'not a url'],
  ])('shows %s as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});
