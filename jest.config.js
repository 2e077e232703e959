// Jest runs TypeScript through SWC (decorator metadata on, for Nest DI). NestJS 12 ships ES modules only, so its
// packages are transformed to CommonJS like our own sources.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const aliases = {
  '^@junction/(core|config|routing|transform|connectors|store|admin|engine|testing|telemetry)$': '<rootDir>/libs/$1/src',
};
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // The OTLP exporter loads node:http with import(), which Jest's VM cannot run without ES module support: compiled to
  // require() like the rest.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|load-esm|file-type|uid|token-types|strtok3|@tokenizer|@opentelemetry/otlp-exporter-base)/)'],
  moduleNameMapper: aliases,
};
module.exports = {
  // End-to-end suites start real servers and a child-process bus; unit specs finish far sooner.
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,bench}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/apps/**/*.e2e-spec.ts'],
      // A real Kafka broker for the Kafka suites (see scripts/kafka), or the one KAFKA_BROKERS names.
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
