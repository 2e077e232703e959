import { mqttConnection, redact, shownUrl } from './mqtt-connection';

describe('shownUrl', () => {
  it.each([
    ['mqtt://127.0.0.1:1883', 'mqtt://127.0.0.1:1883'],
    ['mqtt://bus:s3cret@broker:1883', 'mqtt://broker:1883'],
    ['mqtts://bus@broker:8883/', 'mqtts://broker:8883'],
    ['ws://u:p@broker:8080/mqtt', 'ws://broker:8080/mqtt'],
    ['not a url', '(invalid URL)'],
  ])('%s shows as %s', (url, shown) => {
    expect(shownUrl(url)).toBe(shown);
  });
});

describe('mqttConnection', () => {
  it('takes the MQTT_URL default when the config names no URL', () => {
    const c = mqttConnection({ protocolVersion: 5 }, 'mqtt://127.0.0.1:1883');
    expect(c.url).toBe('mqtt://127.0.0.1:1883');
    expect(c.options).toMatchObject({ protocolVersion: 5 });
    expect(c.options).not.toHaveProperty('username');
    expect(c.secrets).toEqual([]);
  });

  it('passes the credential fields to mqtt.js and remembers the passwords as secrets', () => {
    const c = mqttConnection({ url: 'mqtt://a:p%40ss@broker:1883', username: 'bus', password: 'field-secret', protocolVersion: 4 }, 'mqtt://x:1');
    expect(c.options).toMatchObject({ username: 'bus', password: 'field-secret', protocolVersion: 4 });
    expect(c.shown).toBe('mqtt://broker:1883');
    expect(c.secrets).toEqual(expect.arrayContaining(['field-secret', 'p@ss', 'p%40ss']));
  });
});

describe('redact', () => {
  it('removes URL credentials and known secrets from a message', () => {
    expect(redact('cannot reach mqtt://bus:hunter2@broker:1883 (hunter2 refused)', ['hunter2'])).toBe(
      'cannot reach mqtt://broker:1883 (*** refused)',
    );
    expect(redact('connect ECONNREFUSED 127.0.0.1:1883', [])).toBe('connect ECONNREFUSED 127.0.0.1:1883');
  });
});
