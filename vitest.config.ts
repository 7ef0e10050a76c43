import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,pims-plugin,agent,test}/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end tests start real processes and DICOM peers; on two cores they run one file at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
