export { SoapIngress, type SoapIngressOptions } from './soap.ingress';
export { SoapEgress } from './soap.egress';
export * from './index';
