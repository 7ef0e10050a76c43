import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './pims-plugin/src/db/schema.ts',
  out: './pims-plugin/drizzle',
});
