import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    reporters: ['default'],
    // Two unit files side by side on two cores (the default leaves one core idle); end-to-end
    // files still run one at a time.
    maxWorkers: 2,
    projects: [
      {
        // In-process tests beside the code: the API through the app itself, the DICOM engine, the
        // renderer, the link endpoint. Seconds; files run side by side.
        test: {
          ...shared,
          name: 'unit',
          // The files share nothing through module state (no mocks, no globals), so each worker
          // loads the workspaces once instead of once per file: most of a run was imports.
          isolate: false,
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
