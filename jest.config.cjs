/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // TS -> CommonJS per file with SWC; `npm run typecheck` does the type checking.
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    }],
  },
  // NodeNext-style "./foo.js" specifiers -> the .ts source
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60000,
  // CI machines have 2 cores; jest's default would use one worker
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/tools/jest-summary-reporter.cjs'],
};
