import path from 'node:path';
import { defineConfig } from 'vitest/config';

// The fake PagerDuty serves TLS with a test certificate (pdjs only speaks https). Node reads
// NODE_EXTRA_CA_CERTS at process start, so it is set here, before vitest forks its workers:
// only the test processes trust that certificate.
process.env['NODE_EXTRA_CA_CERTS'] = path.resolve('test/fixtures/tls/cert.pem');

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
});
