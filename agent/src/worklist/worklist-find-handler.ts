import { agentMetrics } from '../metrics/agent-metrics.js';
import type { Logger } from '@lightbox/runtime';
import type { AgentConfig } from '../config.js';
import type { FindContext, FindHandler } from '../dicom/dicom-services.js';
import {
  findResponse,
  findResponseEncoding,
  FindStatus,
  streamFindResponses,
} from '../dicom/find-response-stream.js';
import { encodeWorklistResponse, parseWorklistQuery, WorklistQueryError } from './encoding/index.js';
import { answerWorklistQuery, itemForCaller, STATUS_OUT_OF_RESOURCES } from './worklist-find.js';
import type { WorklistCopy } from './worklist-copy.js';
import type { WorklistQueryLog } from './worklist-query-log.js';
import { LogCode } from '../log-codes.js';
import type { CFindRequest } from '../dicom/dimse-types.js';

export const MODALITY_WORKLIST_FIND = '1.2.840.10008.5.1.4.31';

/** Error Comment (0000,0902) is LO: at most 64 characters. */
const comment = (text: string): string => text.slice(0, 64);

/**
 * Modality Worklist C-FIND from the local copy: read the query as sent, answer from memory, stream
 * one pre-encoded pending per match, finish with one final status. Never touches the database or
 * the link, so it answers the same whether the plugin is reachable or not.
 */
export function worklistFindHandler(
  copy: WorklistCopy,
  settings: AgentConfig['worklist'],
  log: Logger,
  seen?: WorklistQueryLog,
): FindHandler {
  return async (ctx: FindContext, request: CFindRequest, callback) => {
    let query: ReturnType<typeof parseWorklistQuery> | undefined;
    const fail = (status: number, text: string): void => {
      seen?.record({
        callingAe: ctx.callingAe,
        keys: query?.keys,
        requested: query?.requested,
        matched: 0,
        sent: 0,
        outcome: 'refused',
        comment: `${status.toString(16).padStart(4, '0')}: ${text}`,
      });
      log.warn('worklist query refused', {
        callingAe: ctx.callingAe,
        status: status.toString(16),
        comment: text,
      });
      agentMetrics.worklistAnswered('refused', 0);
      callback([findResponse(request, { status, errorComment: comment(text) })]);
    };
    if (request.getAffectedSopClassUid() !== MODALITY_WORKLIST_FIND) {
      fail(0x0122, 'this AE serves the Modality Worklist only; use -W');
      return;
    }
    const encoding = findResponseEncoding(request);
    if (!encoding) {
      fail(FindStatus.UnableToProcess, 'unsupported transfer syntax for the identifier');
      return;
    }
    try {
      query = parseWorklistQuery(request);
    } catch (err) {
      if (err instanceof WorklistQueryError) {
        fail(err.status, err.message);
        return;
      }
      throw err;
    }
    const started = performance.now();
    const answer = answerWorklistQuery(copy, settings, query.keys, ctx.callingAe);
    if (answer.kind === 'failure') {
      fail(answer.status, answer.comment);
      return;
    }
    const signal = ctx.cancellations.begin(request);
    const transliterated = new Set<string>();
    const datasets = function* () {
      for (const item of answer.items) {
        const forCaller = itemForCaller(item.attributes, ctx.callingAe);
        const encoded = encodeWorklistResponse(query.requested, forCaller, {
          explicitVr: encoding.explicitVr,
          characterSet: answer.characterSet,
          revision: item.revision,
          cacheKey: item,
          variant: forCaller === item.attributes ? '' : ctx.callingAe,
        });
        for (const t of encoded.transliterated) transliterated.add(`${t.original} → ${t.written}`);
        yield encoded.bytes;
      }
    };
    // The answer limit is reported as a final A700 after the pendings, with a comment saying why.
    const limitCallback: typeof callback = answer.limitReached
      ? (responses) => {
          const final = responses[0];
          if (final?.getStatus() === FindStatus.Success) {
            callback([
              findResponse(request, {
                status: STATUS_OUT_OF_RESOURCES,
                errorComment: comment(`answer limit of ${settings.answerLimit} reached; narrow the query`),
              }),
            ]);
          } else callback(responses);
        }
      : callback;
    try {
      const outcome = await streamFindResponses(ctx.scp, request, limitCallback, datasets(), { signal });
      if (transliterated.size > 0) {
        log.info('worklist answer transliterated to Latin-1', {
          code: LogCode.worklistTransliterated,
          callingAe: ctx.callingAe,
          values: [...transliterated].slice(0, 20),
        });
      }
      agentMetrics.worklistAnswered(outcome.result, outcome.sent);
      seen?.record({
        callingAe: ctx.callingAe,
        keys: query.keys,
        requested: query.requested,
        matched: answer.items.length,
        sent: outcome.sent,
        outcome: answer.limitReached ? 'answer limit reached' : outcome.result,
      });
      log.info('worklist query answered', {
        code: LogCode.worklistAnswered,
        callingAe: ctx.callingAe,
        matches: answer.items.length,
        sent: outcome.sent,
        result: outcome.result,
        limitReached: answer.limitReached,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    } finally {
      ctx.cancellations.end(request);
    }
  };
}
