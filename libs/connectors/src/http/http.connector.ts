export { HttpEgress, retryAfterMs } from './http.egress';
export { HttpIngress, type HttpIngressOptions } from './http.ingress';
export { messageHeadersFrom, forwardable } from './http-headers';
export { problemFor, PROBLEM_CONTENT_TYPE, type Problem } from './problem';
