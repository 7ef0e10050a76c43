import { X509Certificate } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The agent's only reader of process.env and of its config file. The file (`--config agent.json`)
 * gives defaults a field engineer edits; the environment overrides it. Every bad value stops the
 * start with one line naming the setting and what it expects.
 */
const portMsg = 'expected an integer from 0 to 65535';
const aeTitle = z
  .string()
  .regex(/^[\x20-\x5b\x5d-\x7e]{1,16}$/, 'expected an AE title: 1-16 printable characters, no backslash')
  .refine((v) => v.trim().length > 0, 'expected a non-blank AE title')
  .transform((v) => v.trim());

const missingStationAePolicy = z.enum(['all', 'modality', 'calling-ae']);
const answerCharacterSet = z.enum(['ISO_IR 192', 'ISO_IR 100']);

/**
 * How the worklist treats one calling modality: which items it gets when its query names no
 * Scheduled Station AE Title, and which character set its console reads.
 */
const modalityProfile = z.object({
  aeTitle,
  modality: z
    .string()
    .regex(/^[A-Z0-9_]{1,16}$/, 'expected a DICOM modality code such as DX')
    .optional(),
  missingStationAe: missingStationAePolicy.optional(),
  characterSet: answerCharacterSet.optional(),
  /** Where the agent calls this modality: Storage Commitment results, the doctor's C-ECHO. */
  host: z.string().min(1).optional(),
  port: z.number({ error: portMsg }).int(portMsg).min(1, portMsg).max(65535, portMsg).optional(),
});
export type ModalityProfile = z.infer<typeof modalityProfile>;

const jsonList = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    },
    z.array(item, {
      error: 'expected a JSON list of {aeTitle, modality?, missingStationAe?, characterSet?, host?, port?}',
    }),
  );

/** `AE@host:port` in the environment, or `{aeTitle, host, port}` in the config file. */
const pacsTarget = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const m = /^([^@]+)@(.+):(\d{1,5})$/.exec(v.trim());
    return m ? { aeTitle: m[1], host: m[2], port: m[3] } : v;
  },
  z.object(
    {
      aeTitle,
      host: z.string().min(1),
      port: z.coerce.number().int().min(1).max(65535),
    },
    { error: 'expected the PACS as AE@host:port, e.g. PACS@10.0.0.5:104' },
  ),
);
const forwardMs = (min: number, max: number, dflt: number) => {
  const msg = `expected milliseconds from ${min} to ${max}`;
  return z.coerce.number({ error: msg }).int(msg).min(min, msg).max(max, msg).default(dflt);
};

/** Exported for the settings reference (`npm run docs:settings`). */
export const agentSettings = {
  pluginUrl: {
    env: 'LIGHTBOX_PLUGIN_URL',
    schema: z
      .string()
      .refine(
        (v) => /^(https?|wss?):\/\/[^/\s]+/.test(v),
        'expected an http(s):// or ws(s):// URL of the plugin',
      )
      .optional(),
  },
  agentId: {
    env: 'LIGHTBOX_AGENT_ID',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected the agent id the plugin issued')
      .optional(),
  },
  agentToken: {
    env: 'LIGHTBOX_AGENT_TOKEN',
    schema: z.string().min(16, 'expected the agent token').optional(),
  },
  /** PEM file of the CA(s) that signed the plugin's certificate, trusted besides the system's. */
  pluginCaFile: { env: 'LIGHTBOX_PLUGIN_CA_FILE', schema: z.string().min(1).optional() },
  dicomHost: { env: 'LIGHTBOX_DICOM_HOST', schema: z.string().min(1).default('0.0.0.0') },
  dicomPort: {
    env: 'LIGHTBOX_DICOM_PORT',
    schema: z.coerce
      .number({ error: portMsg })
      .int(portMsg)
      .min(0, portMsg)
      .max(65535, portMsg)
      .default(11112),
  },
  aeTitle: { env: 'LIGHTBOX_AE_TITLE', schema: aeTitle.default('LIGHTBOX') },
  allowedCallingAeTitles: {
    env: 'LIGHTBOX_ALLOWED_CALLING_AE_TITLES',
    schema: z
      .preprocess(
        (v) => (typeof v === 'string' ? v.split(',').filter((s) => s.trim() !== '') : v),
        z.array(aeTitle),
      )
      .default([]),
  },
  /**
   * An association that sends nothing for this long is aborted: a forgotten console must not hold
   * one of the listener's places for ever.
   */
  dicomIdleTimeoutMs: {
    env: 'LIGHTBOX_DICOM_IDLE_TIMEOUT_MS',
    schema: forwardMs(1_000, 86_400_000, 300_000),
  },
  /** ARTIM (PS3.8 9.1.5): a connection that has not asked for an association by then is closed. */
  dicomArtimMs: { env: 'LIGHTBOX_DICOM_ARTIM_MS', schema: forwardMs(100, 600_000, 30_000) },
  /** Associations open at once; above it A-ASSOCIATE-RJ "local limit exceeded". */
  dicomMaxAssociations: {
    env: 'LIGHTBOX_DICOM_MAX_ASSOCIATIONS',
    schema: z.coerce
      .number({ error: 'expected an integer from 1 to 1000' })
      .int('expected an integer from 1 to 1000')
      .min(1, 'expected an integer from 1 to 1000')
      .max(1000, 'expected an integer from 1 to 1000')
      .default(32),
  },
  dataDir: { env: 'LIGHTBOX_DATA_DIR', schema: z.string().min(1).default('./data') },
  spoolDir: { env: 'LIGHTBOX_SPOOL_DIR', schema: z.string().min(1).optional() },
  /**
   * Spool files older than this many days go once the plugin has them (and the PACS, when one is
   * configured). 0, the default, keeps every original: without a PACS the spool may be the only one.
   */
  spoolRetentionDays: {
    env: 'LIGHTBOX_SPOOL_RETENTION_DAYS',
    schema: z.coerce
      .number({ error: 'expected a number of days from 0 to 3650' })
      .min(0, 'expected a number of days from 0 to 3650')
      .max(3650, 'expected a number of days from 0 to 3650')
      .default(0),
  },
  /** Below this much free space in the spool's file system C-STOREs are refused (A700). */
  minFreeDiskMb: {
    env: 'LIGHTBOX_MIN_FREE_DISK_MB',
    schema: z.coerce
      .number({ error: 'expected megabytes from 0 to 1048576' })
      .min(0, 'expected megabytes from 0 to 1048576')
      .max(1_048_576, 'expected megabytes from 0 to 1048576')
      .default(1024),
  },
  reconnectMaxMs: {
    env: 'LIGHTBOX_RECONNECT_MAX_MS',
    schema: z.coerce
      .number({ error: 'expected milliseconds from 100 to 3600000' })
      .int()
      .min(100, 'expected milliseconds from 100 to 3600000')
      .max(3_600_000, 'expected milliseconds from 100 to 3600000')
      .default(30_000),
  },
  /** Absent: no metrics are kept or served. */
  metricsPort: {
    env: 'LIGHTBOX_METRICS_PORT',
    schema: z.coerce.number({ error: portMsg }).int(portMsg).min(0, portMsg).max(65535, portMsg).optional(),
  },
  /** Where /metrics listens; loopback unless a Prometheus on another machine scrapes it. */
  metricsHost: { env: 'LIGHTBOX_METRICS_HOST', schema: z.string().min(1).default('127.0.0.1') },
  /** Threads that draw thumbnails; on a two-core modality PC one leaves a core for DICOM. */
  renderThreads: {
    env: 'LIGHTBOX_RENDER_THREADS',
    schema: z.coerce
      .number({ error: 'expected an integer from 1 to 16' })
      .int('expected an integer from 1 to 16')
      .min(1, 'expected an integer from 1 to 16')
      .max(16, 'expected an integer from 1 to 16')
      .default(1),
  },
  /** A render that takes longer is abandoned for a placeholder (a decoder stuck on a bad codestream). */
  renderTimeoutMs: {
    env: 'LIGHTBOX_RENDER_TIMEOUT_MS',
    schema: z.coerce
      .number({ error: 'expected milliseconds from 1000 to 600000' })
      .int()
      .min(1_000, 'expected milliseconds from 1000 to 600000')
      .max(600_000, 'expected milliseconds from 1000 to 600000')
      .default(60_000),
  },
  /**
   * Rendering and delivery wait while instances arrive: until no C-STORE came for this long, or
   * the oldest waiting instance has waited LIGHTBOX_RENDER_MAX_DELAY_MS.
   */
  renderQuietMs: { env: 'LIGHTBOX_RENDER_QUIET_MS', schema: forwardMs(0, 60_000, 300) },
  renderMaxDelayMs: { env: 'LIGHTBOX_RENDER_MAX_DELAY_MS', schema: forwardMs(0, 600_000, 2_000) },
  /** `auto`: readable lines at a terminal, JSON lines otherwise (a service, a pipe). */
  logFormat: { env: 'LIGHTBOX_LOG_FORMAT', schema: z.enum(['auto', 'json', 'pretty']).default('auto') },
  /** JSON lines to this file too (relative to the data folder), rotated by size; `none`: no file. */
  logFile: { env: 'LIGHTBOX_LOG_FILE', schema: z.string().min(1).default(path.join('logs', 'agent.log')) },
  logFileMaxMb: {
    env: 'LIGHTBOX_LOG_FILE_MAX_MB',
    schema: z.coerce
      .number({ error: 'expected megabytes from 0.01 to 1024' })
      .min(0.01, 'expected megabytes from 0.01 to 1024')
      .max(1024, 'expected megabytes from 0.01 to 1024')
      .default(10),
  },
  logFileKeep: {
    env: 'LIGHTBOX_LOG_FILE_KEEP',
    schema: z.coerce
      .number({ error: 'expected a number of files from 1 to 100' })
      .int('expected a number of files from 1 to 100')
      .min(1, 'expected a number of files from 1 to 100')
      .max(100, 'expected a number of files from 1 to 100')
      .default(5),
  },
  logLevel: { env: 'LIGHTBOX_LOG_LEVEL', schema: z.enum(['debug', 'info', 'warn', 'error']).default('info') },
  modalityProfiles: { env: 'LIGHTBOX_MODALITY_PROFILES', schema: jsonList(modalityProfile).default([]) },
  missingStationAe: { env: 'LIGHTBOX_MISSING_STATION_AE', schema: missingStationAePolicy.default('all') },
  worklistAnswerLimit: {
    env: 'LIGHTBOX_WORKLIST_ANSWER_LIMIT',
    schema: z.coerce
      .number({ error: 'expected a whole number of answers (0 = no limit)' })
      .int('expected a whole number of answers (0 = no limit)')
      .min(0, 'expected a whole number of answers (0 = no limit)')
      .default(0),
  },
  patientNameCaseSensitive: {
    env: 'LIGHTBOX_PATIENT_NAME_CASE_SENSITIVE',
    schema: z
      .preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean())
      .default(false),
  },
  /** Absent: nothing is forwarded. */
  forwardPacs: { env: 'LIGHTBOX_FORWARD_PACS', schema: pacsTarget.optional() },
  /** The AE title the agent calls the PACS with; default its own. */
  forwardCallingAeTitle: { env: 'LIGHTBOX_FORWARD_CALLING_AE_TITLE', schema: aeTitle.optional() },
  forwardBackoffMinMs: { env: 'LIGHTBOX_FORWARD_BACKOFF_MIN_MS', schema: forwardMs(100, 3_600_000, 1_000) },
  forwardBackoffMaxMs: {
    env: 'LIGHTBOX_FORWARD_BACKOFF_MAX_MS',
    schema: forwardMs(100, 86_400_000, 300_000),
  },
  /** 0: retry forever. Otherwise an instance older than this that still fails is given up on. */
  forwardGiveUpAfterMs: {
    env: 'LIGHTBOX_FORWARD_GIVE_UP_AFTER_MS',
    schema: forwardMs(0, 365 * 86_400_000, 0),
  },
  /** Storage Commitment commits an instance only once the PACS has it (when a PACS is configured). */
  commitAfterForward: {
    env: 'LIGHTBOX_COMMIT_AFTER_FORWARD',
    schema: z
      .preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean())
      .default(false),
  },
  forwardConcurrency: {
    env: 'LIGHTBOX_FORWARD_CONCURRENCY',
    schema: z.coerce
      .number({ error: 'expected an integer from 1 to 8' })
      .int('expected an integer from 1 to 8')
      .min(1, 'expected an integer from 1 to 8')
      .max(8, 'expected an integer from 1 to 8')
      .default(1),
  },
} as const;

type Settings = typeof agentSettings;
type Parsed = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

export interface AgentConfig {
  /** Absent: the agent serves DICOM from its local copy but has no plugin to talk to. */
  link: { pluginUrl: string; agentId: string; agentToken: string; caPem?: string } | undefined;
  dicomHost: string;
  dicomPort: number;
  aeTitle: string;
  /** Empty: every calling AE title is accepted. */
  allowedCallingAeTitles: string[];
  dicomLimits: DicomLimits;
  dataDir: string;
  /** Received instances (C-STORE); default `<dataDir>/spool`. */
  spoolDir: string;
  /** 0: keep every spool file. */
  spoolRetentionMs: number;
  /** Free space the spool's disk keeps; below it C-STOREs are refused. */
  minFreeDiskBytes: number;
  reconnectMaxMs: number;
  /** Absent: metrics off. */
  metrics: { host: string; port: number } | undefined;
  rendering: { threads: number; timeoutMs: number; quietMs: number; maxDelayMs: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  logFormat: 'auto' | 'json' | 'pretty';
  /** Absent: logs go to stdout only. */
  logFile: { path: string; maxBytes: number; keep: number } | undefined;
  worklist: {
    profiles: ModalityProfile[];
    /** For callers without a profile, or whose profile does not say. */
    missingStationAe: z.infer<typeof missingStationAePolicy>;
    /** 0: no limit. */
    answerLimit: number;
    patientNameCaseInsensitive: boolean;
  };
  /** Absent: received instances are not forwarded. */
  forwarding: ForwardingConfig | undefined;
  /** Storage Commitment waits for the PACS before committing (only with forwarding). */
  commitAfterForward: boolean;
}

export interface DicomLimits {
  idleTimeoutMs: number;
  artimMs: number;
  maxAssociations: number;
}

export interface ForwardingConfig {
  pacs: { aeTitle: string; host: string; port: number };
  callingAeTitle: string;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** 0: never give up. */
  giveUpAfterMs: number;
  /** Associations open at once; 1 keeps the PACS receiving in order. */
  concurrency: number;
}

export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

/** A folder setting: created when missing, and refused unless the agent can read and write it. */
function writableFolder(setting: string, dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    accessSync(dir, constants.R_OK | constants.W_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError([
      `invalid setting ${setting}: expected a readable, writable folder, got ${JSON.stringify(dir)} (${reason})`,
    ]);
  }
  return dir;
}

export function configFileFromArgs(argv: string[]): string | undefined {
  const i = argv.indexOf('--config');
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith('--config='));
  return eq?.slice('--config='.length);
}

export function loadAgentConfig(
  env: NodeJS.ProcessEnv = process.env,
  configFile: string | undefined = configFileFromArgs(process.argv),
): AgentConfig {
  const fromFile = configFile ? readConfigFile(configFile) : {};
  const errors: string[] = [];
  // A misspelt field would otherwise be ignored without a word, and its default silently used.
  for (const key of Object.keys(fromFile)) {
    if (!(key in agentSettings))
      errors.push(`invalid setting ${configFile ?? ''} field "${key}": not a setting of the agent`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, { env: envName, schema }] of Object.entries(agentSettings)) {
    const fromEnv = env[envName];
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fromFile[key];
    const result = (schema as z.ZodType).safeParse(raw);
    if (result.success) out[key] = result.data;
    else {
      const where = fromEnv !== undefined && fromEnv !== '' ? envName : `${configFile ?? ''} field "${key}"`;
      errors.push(
        `invalid setting ${where}: ${result.error.issues[0]?.message ?? 'invalid'}, got ${JSON.stringify(raw)}`,
      );
    }
  }
  if (errors.length > 0) throw new ConfigError(errors);
  const p = out as Parsed;
  const linkParts = [p.pluginUrl, p.agentId, p.agentToken];
  if (linkParts.some((v) => v !== undefined) && linkParts.some((v) => v === undefined)) {
    throw new ConfigError([
      'invalid setting LIGHTBOX_PLUGIN_URL: expected together with LIGHTBOX_AGENT_ID and LIGHTBOX_AGENT_TOKEN, or none of them',
    ]);
  }
  const dataDir = writableFolder('LIGHTBOX_DATA_DIR', path.resolve(p.dataDir));
  const spoolDir = writableFolder('LIGHTBOX_SPOOL_DIR', path.resolve(dataDir, p.spoolDir ?? 'spool'));
  if (p.forwardBackoffMaxMs < p.forwardBackoffMinMs) {
    throw new ConfigError([
      `invalid setting LIGHTBOX_FORWARD_BACKOFF_MAX_MS: expected at least LIGHTBOX_FORWARD_BACKOFF_MIN_MS (${p.forwardBackoffMinMs}), got ${p.forwardBackoffMaxMs}`,
    ]);
  }
  const caPem = p.pluginCaFile ? readCaFile(p.pluginCaFile) : undefined;
  return {
    link:
      p.pluginUrl && p.agentId && p.agentToken
        ? {
            pluginUrl: p.pluginUrl,
            agentId: p.agentId,
            agentToken: p.agentToken,
            ...(caPem ? { caPem } : {}),
          }
        : undefined,
    dicomHost: p.dicomHost,
    dicomPort: p.dicomPort,
    aeTitle: p.aeTitle,
    allowedCallingAeTitles: p.allowedCallingAeTitles,
    dicomLimits: {
      idleTimeoutMs: p.dicomIdleTimeoutMs,
      artimMs: p.dicomArtimMs,
      maxAssociations: p.dicomMaxAssociations,
    },
    dataDir,
    spoolDir,
    spoolRetentionMs: Math.round(p.spoolRetentionDays * 86_400_000),
    minFreeDiskBytes: Math.round(p.minFreeDiskMb * 1024 * 1024),
    reconnectMaxMs: p.reconnectMaxMs,
    metrics: p.metricsPort === undefined ? undefined : { host: p.metricsHost, port: p.metricsPort },
    rendering: {
      threads: p.renderThreads,
      timeoutMs: p.renderTimeoutMs,
      quietMs: p.renderQuietMs,
      maxDelayMs: p.renderMaxDelayMs,
    },
    logLevel: p.logLevel,
    logFormat: p.logFormat,
    logFile:
      p.logFile === 'none'
        ? undefined
        : {
            path: path.resolve(dataDir, p.logFile),
            maxBytes: Math.round(p.logFileMaxMb * 1024 * 1024),
            keep: p.logFileKeep,
          },
    worklist: {
      profiles: p.modalityProfiles,
      missingStationAe: p.missingStationAe,
      answerLimit: p.worklistAnswerLimit,
      patientNameCaseInsensitive: !p.patientNameCaseSensitive,
    },
    forwarding: p.forwardPacs
      ? {
          pacs: p.forwardPacs,
          callingAeTitle: p.forwardCallingAeTitle ?? p.aeTitle,
          backoffMinMs: p.forwardBackoffMinMs,
          backoffMaxMs: p.forwardBackoffMaxMs,
          giveUpAfterMs: p.forwardGiveUpAfterMs,
          concurrency: p.forwardConcurrency,
        }
      : undefined,
    commitAfterForward: p.commitAfterForward,
  };
}

/** The CA file is read and parsed at start: a file that is not a certificate stops it, named. */
function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `invalid setting LIGHTBOX_PLUGIN_CA_FILE: expected a readable PEM certificate file, got ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    ]);
  }
  try {
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no certificate');
    new X509Certificate(pem);
  } catch {
    throw new ConfigError([
      `invalid setting LIGHTBOX_PLUGIN_CA_FILE: expected a PEM certificate (-----BEGIN CERTIFICATE-----), got ${JSON.stringify(file)}`,
    ]);
  }
  return pem;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `invalid setting --config: expected a readable JSON file, got ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    ]);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new ConfigError([`invalid setting --config: expected a JSON object in ${JSON.stringify(file)}`]);
  }
}
