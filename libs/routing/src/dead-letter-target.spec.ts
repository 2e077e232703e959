import { kafkaConnector } from '../../connectors/src/kafka/kafka.connector';
import { compileFixture, target } from './testing/route-fixtures';
import { deadLetterTargetId } from './route-compiler';

describe('compileRoute: the source\'s dead-letter target', () => {
  const kafka = (extra: Record<string, unknown> = {}) => ({
    kafka: { topic: 'orders', group: 'g', brokers: ['127.0.0.1:9'], ...extra },
  });

  it('builds an async Kafka route\'s deadLetterTopic as a Kafka target keyed by the original key', () => {
    const { route } = compileFixture({ id: 'r', from: kafka({ deadLetterTopic: 'orders.dlt' }), to: [target('a')] });
    expect(route.deadLetter).toMatchObject({ id: deadLetterTargetId('kafka'), kind: 'kafka' });
    expect(kafkaConnector.deadLetterTarget!({ topic: 'orders', group: 'g', deadLetterTopic: 'orders.dlt', fromBeginning: false, concurrency: 1 })).toEqual({
      topic: 'orders.dlt',
      key: "$headers.'kafka-key'",
    });
    expect(route.targets.get('dead-letter:kafka')).toBe(route.deadLetter);
    // The copy is sent as it came: it does not make the route read its body.
    expect(route.readsBody).toBe(false);
  });

  it('has none without a deadLetterTopic, for a sync route (its ingress sends refusals itself), or for HTTP', () => {
    expect(compileFixture({ id: 'r', from: kafka(), to: [target('a')] }).route.deadLetter).toBeUndefined();
    expect(compileFixture({ id: 'r', mode: 'sync', from: kafka({ deadLetterTopic: 'd' }), to: [target('a')] }).route.deadLetter).toBeUndefined();
    expect(compileFixture({ id: 'r', from: { http: { path: '/r' } }, to: [target('a')] }).route.deadLetter).toBeUndefined();
  });
});
