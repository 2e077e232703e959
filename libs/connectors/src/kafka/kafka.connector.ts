export { KafkaClients } from './kafka-clients';
export { KafkaIngress, kafkaHeaders, type KafkaRouteLag } from './kafka.ingress';
export { KafkaEgress } from './kafka.egress';
