import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import net from 'node:net';
import tls, { rootCertificates } from 'node:tls';
import { PROTOCOL_VERSION } from '@lightbox/protocol';
import type { AgentConfig } from '../config.js';
import { certificateProblem } from '../link/certificate-problem.js';
import { fail, ok, skip, type CheckLine } from './doctor-check.js';

const TIMEOUT_MS = 5_000;
/** More than this between the PC's clock and the plugin's breaks dates in the chart and in TLS. */
const MAX_SKEW_MS = 60_000;

type Link = NonNullable<AgentConfig['link']>;

/**
 * The plugin as the link will meet it, one step at a time so the first broken one is named: the
 * host name resolves, the port answers, the TLS certificate verifies, the token is accepted, the
 * protocol versions agree and the clocks are close. None of it disturbs a running agent's link.
 */
export async function checkPlugin(config: AgentConfig): Promise<CheckLine[]> {
  const link = config.link;
  if (!link)
    return [skip('plugin', 'no LIGHTBOX_PLUGIN_URL, agent id and token: the agent serves DICOM only')];
  const url = new URL(link.pluginUrl);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (secure ? 443 : 80));
  const lines: CheckLine[] = [];

  if (net.isIP(host) === 0) {
    try {
      const { address } = await lookup(host);
      lines.push(ok('plugin DNS', `${host} is ${address}`));
    } catch (err) {
      lines.push(
        fail(
          'plugin DNS',
          `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
          "check LIGHTBOX_PLUGIN_URL and the PC's DNS settings",
        ),
      );
      return lines;
    }
  }

  const reach = await connect(host, port, secure, link);
  if (reach.kind === 'unreachable') {
    lines.push(
      fail(
        'plugin reachable',
        `${host}:${port} does not answer (${reach.code})`,
        'is the plugin running, and does the firewall let this PC out to that port?',
      ),
    );
    return lines;
  }
  lines.push(ok('plugin reachable', `${host}:${port} answers`));
  if (secure) {
    if (reach.kind === 'certificate') {
      lines.push(
        fail(
          'plugin TLS certificate',
          reach.detail,
          "set LIGHTBOX_PLUGIN_CA_FILE to the CA that signed the plugin's certificate, or renew it",
        ),
      );
      return lines;
    }
    lines.push(ok('plugin TLS certificate', reach.detail));
  }

  const base = `${secure ? 'https' : 'http'}://${url.host}${url.pathname.replace(/\/$/, '')}`;
  const sentAt = Date.now();
  let answer: { status: number; body: string };
  try {
    answer = await getText(`${base}/v1/agents/link-check`, link, secure);
  } catch (err) {
    lines.push(
      fail('agent token', `the check failed (${String(err)})`, 'run doctor again; check the plugin log'),
    );
    return lines;
  }
  const receivedAt = Date.now();
  if (answer.status === 401) {
    lines.push(
      fail(
        'agent token',
        `the plugin refused the token of agent ${link.agentId} (HTTP 401)`,
        'set LIGHTBOX_AGENT_TOKEN to the token the plugin issued for this agent (POST /v1/agents)',
      ),
    );
    return lines;
  }
  if (answer.status !== 200) {
    lines.push(
      fail(
        'agent token',
        `the plugin answered HTTP ${answer.status}`,
        'is LIGHTBOX_PLUGIN_URL the plugin (not a proxy page)?',
      ),
    );
    return lines;
  }
  const body = JSON.parse(answer.body) as { agentId: string; protocolVersion: number; time: string };
  lines.push(ok('agent token', `accepted for agent ${body.agentId}`));
  lines.push(
    body.protocolVersion === PROTOCOL_VERSION
      ? ok('protocol version', `both speak ${PROTOCOL_VERSION}`)
      : fail(
          'protocol version',
          `the agent speaks ${PROTOCOL_VERSION}, the plugin ${body.protocolVersion}`,
          'install the agent version that matches the plugin',
        ),
  );
  const skewMs = Date.parse(body.time) - (sentAt + receivedAt) / 2;
  const skew = `${(Math.abs(skewMs) / 1000).toFixed(1)} s ${skewMs > 0 ? 'behind' : 'ahead of'} the plugin`;
  lines.push(
    Math.abs(skewMs) <= MAX_SKEW_MS
      ? ok('clock', `this PC is ${skew}`)
      : fail('clock', `this PC is ${skew}`, "set the PC's time zone and time (enable NTP time sync)"),
  );
  return lines;
}

type Reach =
  | { kind: 'unreachable'; code: string }
  | { kind: 'certificate'; detail: string }
  | { kind: 'connected'; detail: string };

function connect(host: string, port: number, secure: boolean, link: Link): Promise<Reach> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ kind: 'unreachable', code: `no answer within ${TIMEOUT_MS} ms` });
    }, TIMEOUT_MS);
    const done = (r: Reach): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const socket = secure
      ? tls.connect({
          host,
          port,
          servername: net.isIP(host) === 0 ? host : undefined,
          ...(link.caPem ? { ca: [...rootCertificates, link.caPem] } : {}),
        })
      : net.connect({ host, port });
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      if (!secure) {
        done({ kind: 'connected', detail: '' });
        return;
      }
      const cert = (socket as tls.TLSSocket).getPeerCertificate();
      const days = Math.floor((Date.parse(cert.valid_to) - Date.now()) / 86_400_000);
      const cn = cert.subject.CN;
      const name = Array.isArray(cn) ? cn.join(', ') : (cn ?? host);
      done({ kind: 'connected', detail: `verified: ${name}, valid ${days} more day(s)` });
    });
    socket.once('error', (err: Error) => {
      const problem = certificateProblem(err);
      if (problem) done({ kind: 'certificate', detail: problem.replace(/^link refused: /, '') });
      else done({ kind: 'unreachable', code: (err as NodeJS.ErrnoException).code ?? err.message });
    });
  });
}

function getText(url: string, link: Link, secure: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options = {
      headers: { authorization: `Bearer ${link.agentToken}` },
      timeout: TIMEOUT_MS,
      ...(secure && link.caPem ? { ca: [...rootCertificates, link.caPem] } : {}),
    };
    const req = (secure ? httpsRequest : httpRequest)(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}
