import { amqpEgressHarness, amqpHarness } from '../libs/connectors/src/amqp/amqp.contract';
import { httpEgressHarness, httpHarness } from '../libs/connectors/src/http/http.contract';
import { kafkaEgressHarness, kafkaHarness } from '../libs/connectors/src/kafka/kafka.contract';
import { mqttEgressHarness, mqttHarness } from '../libs/connectors/src/mqtt/mqtt.contract';
import { sqlEgressHarness, sqlHarness } from '../libs/connectors/src/sql/sql.contract';
import { fileEgressHarness, fileHarness } from '../libs/connectors/src/file/file.contract';
import { describeEgressContract } from '../libs/connectors/src/testing/egress-contract';
import { describeIngressContract } from '../libs/connectors/src/testing/ingress-contract';
import { sftpEgressHarness, sftpHarness, stopSftpContractServer } from './support/sftp-contract';

// Every connector joins here with a harness over its real source and destination: the contract suites run for all.
for (const harness of [httpHarness, kafkaHarness, amqpHarness, mqttHarness, sqlHarness, fileHarness, sftpHarness]) describeIngressContract(harness);
for (const harness of [httpEgressHarness, kafkaEgressHarness, amqpEgressHarness, mqttEgressHarness, sqlEgressHarness, fileEgressHarness, sftpEgressHarness]) describeEgressContract(harness);

// The SFTP harnesses share one sshd, started on first use.
afterAll(() => stopSftpContractServer());
