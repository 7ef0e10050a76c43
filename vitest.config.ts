import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        // In-process tests beside the code: the API through the app itself, the DICOM engine, the
        // renderer, the link endpoint. Seconds; files run side by side.
        test: {
          ...shared,
          name: 'unit',
          include: ['{protocol,runtime,pims-plugin,agent}/src/**/*.test.ts', 'scripts/**/*.test.ts'],
        },
      },
      {
        // Real processes and real peers (DCMTK, Chromium, python3-hl7); on two cores they run one
        // file at a time.
        test: { ...shared, name: 'e2e', include: ['test/src/**/*.test.ts'], fileParallelism: false },
      },
    ],
  },
});
