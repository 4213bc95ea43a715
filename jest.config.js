// NestJS 12 is ESM-only: Jest runs in ESM mode (NODE_OPTIONS=--experimental-vm-modules, set by the npm scripts),
// since Jest's own module loader cannot require() an ES module. ts-jest only transpiles (isolatedModules):
// `npm run typecheck` is what type-checks the specs, and `npm test` runs it first (docs/toolchain.md).
const tsJest = [
  'ts-jest',
  {
    useESM: true,
    tsconfig: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      strict: true,
      strictPropertyInitialization: false,
      skipLibCheck: true,
      isolatedModules: true,
    },
  },
];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
};
export default {
  // Real tools (git server, dvc, Label Studio) take time: generous per-test limit, one e2e file at a time.
  testTimeout: 600000,
  maxWorkers: 2,
  projects: [
    // Pure functions and in-process modules: fast, no external tools.
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    // Real fs, real git server, real DVC remote, real clients (boto3, aws CLI, dvc, Label Studio).
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
