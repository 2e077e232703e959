export { HttpEgress } from './http.egress';
export { HttpIngress, authorized, type HttpIngressOptions } from './http.ingress';
export { HttpListener, pathOf, sendProblem, type PathHandler } from './http-listener';
export { sendRequest, statusError, retriableStatus, retryAfterMs, MAX_REPLY_BYTES, type RawRequest, type RawResponse } from './http-request';
export { messageHeadersFrom, forwardable } from './http-headers';
export { problemFor, requestError, PROBLEM_CONTENT_TYPE, type Problem } from './problem';
