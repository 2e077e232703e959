export * from './compiled-route';
export * from './compile-context';
export * from './retry-policy';
export * from './route-compiler';
export * from './outgoing-body';
export { splitByPath } from './steps/split.step';
export * from './route-set';
export * from './route-tests/route-test-runner';
export { CaptureEgress } from './route-tests/capture.egress';
