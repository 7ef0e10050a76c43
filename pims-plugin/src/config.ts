import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The plugin's only reader of process.env. Every bad value stops the start with one line naming the
 * variable and what it expects.
 */
const port = z.coerce
  .number({ error: 'expected an integer from 0 to 65535' })
  .int('expected an integer from 0 to 65535')
  .min(0, 'expected an integer from 0 to 65535')
  .max(65535, 'expected an integer from 0 to 65535');

const databaseUrl = z.string().refine(
  (v) => {
    if (v.startsWith('file:')) return v.length > 'file:'.length;
    try {
      const u = new URL(v);
      return ['libsql:', 'http:', 'https:', 'ws:', 'wss:'].includes(u.protocol) && u.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'expected file:PATH or a libsql://, http(s):// or ws(s):// URL with a host' },
);

const envSchema = z.object({
  LIGHTBOX_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  LIGHTBOX_HTTP_PORT: port.default(8080),
  LIGHTBOX_DATA_DIR: z.string().min(1).default('./data'),
  LIGHTBOX_API_KEY: z.string().min(16, 'expected at least 16 characters').optional(),
  LIGHTBOX_DATABASE_URL: databaseUrl.optional(),
  LIGHTBOX_DATABASE_TOKEN: z.string().optional(),
  LIGHTBOX_HEARTBEAT_MS: z.coerce
    .number({ error: 'expected milliseconds from 100 to 600000' })
    .int()
    .min(100, 'expected milliseconds from 100 to 600000')
    .max(600_000, 'expected milliseconds from 100 to 600000')
    .default(10_000),
  LIGHTBOX_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** The practice's time zone: worklist dates and times are its wall clock, as DICOM DA/TM are. */
  LIGHTBOX_TIMEZONE: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'expected an IANA time zone such as Europe/London')
    .default(Intl.DateTimeFormat().resolvedOptions().timeZone),
  /** Set by `npm start` so the local agent it launches is registered without a manual step. */
  LIGHTBOX_LOCAL_AGENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 letters, digits, - or _')
    .optional(),
  LIGHTBOX_LOCAL_AGENT_TOKEN: z.string().min(32, 'expected at least 32 characters').optional(),
});

export interface PluginConfig {
  httpHost: string;
  httpPort: number;
  dataDir: string;
  apiKey: string | undefined;
  databaseUrl: string;
  databaseToken: string | undefined;
  heartbeatMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  timeZone: string;
  localAgent: { id: string; token: string } | undefined;
}

export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

export function loadPluginConfig(env: NodeJS.ProcessEnv = process.env): PluginConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0]);
        return `invalid setting ${key}: ${i.message}, got ${JSON.stringify(env[key] ?? '')}`;
      }),
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.LIGHTBOX_DATA_DIR);
  ensureWritableFolder('LIGHTBOX_DATA_DIR', dataDir);
  if ((e.LIGHTBOX_LOCAL_AGENT_ID === undefined) !== (e.LIGHTBOX_LOCAL_AGENT_TOKEN === undefined)) {
    throw new ConfigError([
      'invalid setting LIGHTBOX_LOCAL_AGENT_ID: expected together with LIGHTBOX_LOCAL_AGENT_TOKEN, or neither',
    ]);
  }
  return {
    httpHost: e.LIGHTBOX_HTTP_HOST,
    httpPort: e.LIGHTBOX_HTTP_PORT,
    dataDir,
    apiKey: e.LIGHTBOX_API_KEY,
    databaseUrl: e.LIGHTBOX_DATABASE_URL ?? `file:${path.join(dataDir, 'plugin.db')}`,
    databaseToken: e.LIGHTBOX_DATABASE_TOKEN,
    heartbeatMs: e.LIGHTBOX_HEARTBEAT_MS,
    logLevel: e.LIGHTBOX_LOG_LEVEL,
    timeZone: e.LIGHTBOX_TIMEZONE,
    localAgent:
      e.LIGHTBOX_LOCAL_AGENT_ID && e.LIGHTBOX_LOCAL_AGENT_TOKEN
        ? { id: e.LIGHTBOX_LOCAL_AGENT_ID, token: e.LIGHTBOX_LOCAL_AGENT_TOKEN }
        : undefined,
  };
}

function ensureWritableFolder(key: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    accessSync(dir, constants.R_OK | constants.W_OK);
  } catch (err) {
    const reason = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
    throw new ConfigError([
      `invalid setting ${key}: expected a readable, writable folder, got ${JSON.stringify(dir)} (${reason})`,
    ]);
  }
}
