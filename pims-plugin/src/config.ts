import { createPrivateKey, X509Certificate } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { WebhookSettings } from './webhooks/webhook-dispatcher.js';
import type { StudySettings } from './studies/study-settings.js';
import { parseRange } from './security/address-range.js';

/**
 * The plugin's only reader of process.env. Every bad value stops the start with one line naming the
 * variable and what it expects.
 */
const port = integerIn('an integer', 0, 65535);

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

/** A whole number of `unit` from `min` to `max`; every way of missing says so in the same words. */
function integerIn(unit: string, min: number, max: number) {
  const expected = `expected ${unit} from ${min} to ${max}`;
  return z.coerce.number({ error: expected }).int(expected).min(min, expected).max(max, expected);
}

const milliseconds = (min: number, max: number) => integerIn('milliseconds', min, max);

/** A comma-separated list, blanks dropped, each item passing `valid`. */
function commaList(valid: (item: string) => boolean, message: string) {
  return z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    )
    .refine((items) => items.every(valid), message);
}

/** An http(s) URL with a host and nothing after it but an optional path prefix. */
const publicUrl = z.string().refine(
  (v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && !u.search && !u.hash;
    } catch {
      return false;
    }
  },
  { message: 'expected an http:// or https:// URL such as https://imaging.example.vet' },
);

/** 32 random bytes, as 64 hex digits or 43-44 base64 characters. */
const secretKey = z
  .string()
  .refine((v) => keyBytes(v) !== null, 'expected 32 bytes as 64 hex digits or as base64');

/** A comma-separated list of CIDR ranges (10.0.0.0/8, fd00::/8) or single addresses. */
const addressRanges = commaList(
  (r) => parseRange(r) !== null,
  'expected comma-separated CIDR ranges or addresses, such as 192.168.1.0/24,10.20.0.5',
);

/** Comma-separated DNS servers (address or address:port) for outbound names; default: the system's. */
const dnsServers = commaList(
  (s) => isIP(s.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/:\d+$/, '')) !== 0,
  'expected comma-separated DNS server addresses, such as 192.168.1.1 or 127.0.0.1:5353',
);

/** Exported for the settings reference (`npm run docs:settings`). */
export const pluginSettingsSchema = z.object({
  LIGHTBOX_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  LIGHTBOX_HTTP_PORT: port.default(8080),
  LIGHTBOX_DATA_DIR: z.string().min(1).default('./data'),
  LIGHTBOX_API_KEY: z.string().min(16, 'expected at least 16 characters').optional(),
  LIGHTBOX_DATABASE_URL: databaseUrl.optional(),
  LIGHTBOX_DATABASE_TOKEN: z.string().optional(),
  LIGHTBOX_HEARTBEAT_MS: milliseconds(100, 600_000).default(10_000),
  /** Names this instance among several on one database (webhook leases); default: host and port. */
  LIGHTBOX_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'expected 1-128 letters, digits, ., :, - or _')
    .optional(),
  /** One webhook request, answer included. */
  LIGHTBOX_WEBHOOK_TIMEOUT_MS: milliseconds(100, 120_000).default(10_000),
  /** The first retry wait of a failing webhook; it doubles with each failure up to the maximum. */
  LIGHTBOX_WEBHOOK_BACKOFF_MIN_MS: milliseconds(10, 3_600_000).default(1_000),
  LIGHTBOX_WEBHOOK_BACKOFF_MAX_MS: milliseconds(10, 86_400_000).default(3_600_000),
  /** How long one event is retried before its subscription is marked failed. */
  LIGHTBOX_WEBHOOK_RETRY_FOR_MS: milliseconds(1_000, 30 * 86_400_000).default(86_400_000),
  /** How often webhooks look for events and subscriptions committed by another plugin instance. */
  LIGHTBOX_WEBHOOK_POLL_MS: milliseconds(100, 600_000).default(2_000),
  /** A study with nothing new for this long is stable: its thumbnails go to the chart. */
  LIGHTBOX_STUDY_QUIET_MS: milliseconds(100, 86_400_000).default(30_000),
  /** How long an MPPS COMPLETED waits for the images it lists before completing without them. */
  LIGHTBOX_COMPLETION_WAIT_MS: milliseconds(0, 7 * 86_400_000).default(600_000),
  /** For modalities that never send MPPS: images stable this long, and no MPPS, complete the order. */
  LIGHTBOX_NO_MPPS_COMPLETE_MS: milliseconds(100, 7 * 86_400_000).default(900_000),
  /** An HL7 v2 (MLLP) connector for the default site, set up at start: where it listens … */
  LIGHTBOX_HL7_PORT: port.optional(),
  LIGHTBOX_HL7_HOST: z.string().min(1).default('0.0.0.0'),
  /** … and where it sends status and results (`host:port`). */
  LIGHTBOX_HL7_OUTBOUND: z
    .string()
    .regex(
      /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/,
      'expected host:port, such as pims.clinic.lan:2576',
    )
    .optional(),
  /**
   * Where the PIMS and browsers reach this plugin: every absolute URL it hands out (media, embed
   * links) starts here, never with the Host header of a request. Default: the HTTP listener.
   */
  LIGHTBOX_PUBLIC_URL: publicUrl.optional(),
  /**
   * Encrypts secrets at rest (webhook and connector secrets, embed signing keys). Default: a key
   * generated into `secret.key` in the data folder, readable by the owner only. Several plugin
   * instances on one database must share one key.
   */
  LIGHTBOX_SECRET_KEY: secretKey.optional(),
  /**
   * Address ranges outbound requests (webhooks, connectors) may reach beyond the public internet:
   * an on-premises PIMS on the practice network, or loopback when the PIMS runs on this machine.
   * The cloud metadata address is never reachable.
   */
  LIGHTBOX_OUTBOUND_ALLOW: addressRanges.default([]),
  /** How long a media URL in an API answer or an event works (rounded up to 15 minutes). */
  LIGHTBOX_MEDIA_URL_TTL_SECONDS: integerIn('seconds', 60, 30 * 86_400).default(86_400),
  /**
   * Opt-in for PIMSs that store media URLs: hand out and serve unsigned, non-expiring
   * `/media/{sha256}.{ext}` URLs. Anyone holding such a URL sees the image.
   */
  LIGHTBOX_MEDIA_BARE_URLS: z.enum(['true', 'false'], { error: 'expected true or false' }).default('false'),
  /**
   * The PIMS origins that may show the chart panel in an iframe (`frame-ancestors`), for every site
   * that names none of its own (`PATCH /v1/site-settings`).
   */
  LIGHTBOX_PIMS_ORIGINS: commaList(
    isOrigin,
    'expected comma-separated origins such as https://pims.example.com,http://192.168.1.20:8080',
  ).default([]),
  LIGHTBOX_DNS_SERVERS: dnsServers.optional(),
  LIGHTBOX_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** `auto`: readable lines at a terminal, JSON lines otherwise. */
  /** `GET /metrics` (Prometheus) on the HTTP port; false: no metrics kept or served. */
  LIGHTBOX_METRICS: z.enum(['true', 'false'], { error: 'expected true or false' }).default('true'),
  LIGHTBOX_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
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
  /** With the key: the plugin serves HTTPS (and wss://) itself, no proxy in front. */
  LIGHTBOX_TLS_CERT_FILE: z.string().min(1).optional(),
  LIGHTBOX_TLS_KEY_FILE: z.string().min(1).optional(),
});

export interface PluginConfig {
  httpHost: string;
  httpPort: number;
  dataDir: string;
  apiKey: string | undefined;
  databaseUrl: string;
  databaseToken: string | undefined;
  heartbeatMs: number;
  instanceId: string;
  /** No trailing slash; absolute URLs in answers are built on it. */
  publicBaseUrl: string;
  /** 32 bytes, or undefined to use (or create) the key file in the data folder. */
  secretKey: Buffer | undefined;
  outbound: { allowedRanges: string[]; dnsServers: string[] | undefined };
  media: { ttlSeconds: number; bareUrls: boolean };
  /** Origins allowed to frame the chart panel; empty: it cannot be framed. */
  pimsOrigins: string[];
  webhooks: WebhookSettings;
  studies: StudySettings;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  logFormat: 'auto' | 'json' | 'pretty';
  metrics: boolean;
  timeZone: string;
  localAgent: { id: string; token: string } | undefined;
  /** PEM certificate (chain) and key; absent: plain HTTP (TLS ends at a proxy, or none). */
  tls: { cert: string; key: string } | undefined;
  /** The HL7 connector `npm start` sets up for the default site, when LIGHTBOX_HL7_PORT or _OUTBOUND is set. */
  hl7: {
    listen: { host: string; port: number } | undefined;
    outbound: { host: string; port: number } | undefined;
  };
}

export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

export function loadPluginConfig(env: NodeJS.ProcessEnv = process.env): PluginConfig {
  const parsed = pluginSettingsSchema.safeParse(env);
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
  if (e.LIGHTBOX_WEBHOOK_BACKOFF_MIN_MS > e.LIGHTBOX_WEBHOOK_BACKOFF_MAX_MS) {
    throw new ConfigError([
      'invalid setting LIGHTBOX_WEBHOOK_BACKOFF_MIN_MS: expected at most LIGHTBOX_WEBHOOK_BACKOFF_MAX_MS',
    ]);
  }
  const tls = loadTlsFiles(e.LIGHTBOX_TLS_CERT_FILE, e.LIGHTBOX_TLS_KEY_FILE);
  return {
    tls,
    httpHost: e.LIGHTBOX_HTTP_HOST,
    httpPort: e.LIGHTBOX_HTTP_PORT,
    dataDir,
    apiKey: e.LIGHTBOX_API_KEY,
    databaseUrl: e.LIGHTBOX_DATABASE_URL ?? `file:${path.join(dataDir, 'plugin.db')}`,
    databaseToken: e.LIGHTBOX_DATABASE_TOKEN,
    heartbeatMs: e.LIGHTBOX_HEARTBEAT_MS,
    instanceId: e.LIGHTBOX_INSTANCE_ID ?? `${hostname()}:${e.LIGHTBOX_HTTP_PORT}`,
    publicBaseUrl: (e.LIGHTBOX_PUBLIC_URL ?? listenerUrl(e.LIGHTBOX_HTTP_HOST, e.LIGHTBOX_HTTP_PORT)).replace(
      /\/+$/,
      '',
    ),
    secretKey: e.LIGHTBOX_SECRET_KEY === undefined ? undefined : keyBytes(e.LIGHTBOX_SECRET_KEY)!,
    outbound: { allowedRanges: e.LIGHTBOX_OUTBOUND_ALLOW, dnsServers: e.LIGHTBOX_DNS_SERVERS },
    media: { ttlSeconds: e.LIGHTBOX_MEDIA_URL_TTL_SECONDS, bareUrls: e.LIGHTBOX_MEDIA_BARE_URLS === 'true' },
    pimsOrigins: e.LIGHTBOX_PIMS_ORIGINS.map((o) => new URL(o).origin),
    webhooks: {
      timeoutMs: e.LIGHTBOX_WEBHOOK_TIMEOUT_MS,
      backoffMinMs: e.LIGHTBOX_WEBHOOK_BACKOFF_MIN_MS,
      backoffMaxMs: e.LIGHTBOX_WEBHOOK_BACKOFF_MAX_MS,
      retryForMs: e.LIGHTBOX_WEBHOOK_RETRY_FOR_MS,
      pollMs: e.LIGHTBOX_WEBHOOK_POLL_MS,
    },
    studies: {
      quietMs: e.LIGHTBOX_STUDY_QUIET_MS,
      completionWaitMs: e.LIGHTBOX_COMPLETION_WAIT_MS,
      noMppsCompleteMs: e.LIGHTBOX_NO_MPPS_COMPLETE_MS,
    },
    logLevel: e.LIGHTBOX_LOG_LEVEL,
    logFormat: e.LIGHTBOX_LOG_FORMAT,
    metrics: e.LIGHTBOX_METRICS === 'true',
    timeZone: e.LIGHTBOX_TIMEZONE,
    hl7: {
      listen:
        e.LIGHTBOX_HL7_PORT !== undefined
          ? { host: e.LIGHTBOX_HL7_HOST, port: e.LIGHTBOX_HL7_PORT }
          : undefined,
      outbound: e.LIGHTBOX_HL7_OUTBOUND ? hostPort(e.LIGHTBOX_HL7_OUTBOUND) : undefined,
    },
    localAgent:
      e.LIGHTBOX_LOCAL_AGENT_ID && e.LIGHTBOX_LOCAL_AGENT_TOKEN
        ? { id: e.LIGHTBOX_LOCAL_AGENT_ID, token: e.LIGHTBOX_LOCAL_AGENT_TOKEN }
        : undefined,
  };
}

/** A scheme, host and optional port, nothing else: what a CSP source and an Origin header are. */
export function isOrigin(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && v.replace(/\/$/, '') === u.origin;
  } catch {
    return false;
  }
}

function hostPort(v: string): { host: string; port: number } {
  const i = v.lastIndexOf(':');
  return { host: v.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(v.slice(i + 1)) };
}

/** The listener as a URL; a wildcard host is reached on loopback from this machine. */
function listenerUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

function keyBytes(v: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const bytes = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return bytes.length === 32 ? bytes : null;
  }
  return null;
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

/** Both files or neither; each read and parsed now, so a wrong file stops the start with its name. */
function loadTlsFiles(
  certFile: string | undefined,
  keyFile: string | undefined,
): { cert: string; key: string } | undefined {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new ConfigError([
      'invalid setting LIGHTBOX_TLS_CERT_FILE: expected together with LIGHTBOX_TLS_KEY_FILE, or neither',
    ]);
  }
  const read = (key: string, file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([
        `invalid setting ${key}: expected a readable PEM file, got ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      ]);
    }
  };
  const cert = read('LIGHTBOX_TLS_CERT_FILE', certFile);
  const key = read('LIGHTBOX_TLS_KEY_FILE', keyFile);
  try {
    new X509Certificate(cert);
  } catch {
    throw new ConfigError([
      `invalid setting LIGHTBOX_TLS_CERT_FILE: expected a PEM certificate, got ${JSON.stringify(certFile)}`,
    ]);
  }
  try {
    createPrivateKey(key);
  } catch {
    throw new ConfigError([
      `invalid setting LIGHTBOX_TLS_KEY_FILE: expected a PEM private key, got ${JSON.stringify(keyFile)}`,
    ]);
  }
  return { cert, key };
}
