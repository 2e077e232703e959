import { httpHarness } from '../libs/connectors/src/http/http.contract';
import { kafkaHarness } from '../libs/connectors/src/kafka/kafka.contract';
import { describeIngressContract } from '../libs/connectors/src/testing/ingress-contract';

// Every connector with an ingress joins here with its harness over its real source.
for (const harness of [httpHarness, kafkaHarness]) describeIngressContract(harness);
