import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentToPluginMessage, StoredInstanceMessage } from '@lightbox/protocol';
import { agentToPluginMessage } from '@lightbox/protocol';
import {
  siteWithAgent,
  TEST_AGENT as AGENT,
  TEST_SITE as SITE,
  type SiteWithAgent,
} from '../db/test-support/site-with-agent.js';
import { applyAgentMessage } from '../link/apply-agent-message.js';
import { createLogger } from '../log.js';
import { MediaStore } from './media-store.js';
import { mediaPath } from './media-url.js';
import { getStudy, studyView } from './study-queries.js';
import { studies } from '../db/schema.js';
import { eq } from 'drizzle-orm';

/**
 * Image facts, renditions and frame previews as the link brings them: kept once, served in the
 * study's `image` object with URLs that fetch exactly the bytes the agent sent.
 */
const ORIGIN = 'http://plugin.test';
let fixture: SiteWithAgent;
let media: MediaStore;
let seq = 0;

beforeEach(async () => {
  fixture = await siteWithAgent('lightbox-instance-images-');
  media = new MediaStore(path.join(fixture.dir, 'media'));
});
afterEach(() => fixture.remove());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const STUDY = '1.2.826.0.1.77';

/** Parsed as the link parses it, so the messages are what an agent may really send. */
async function apply(body: unknown): Promise<void> {
  const parsed: AgentToPluginMessage = agentToPluginMessage.parse(body);
  const n = ++seq;
  await fixture.database.write((tx) =>
    applyAgentMessage(
      {
        tx,
        agentId: AGENT,
        seq: n,
        log: createLogger('error'),
        wake: () => undefined,
        intake: { media, settings: { quietMs: 1000, completionWaitMs: 1000, noMppsCompleteMs: 1000 } },
      },
      parsed,
    ),
  );
}

function stored(sop: string, extra: Partial<StoredInstanceMessage> = {}, media: object = {}) {
  return {
    kind: 'instance.stored',
    studyInstanceUid: STUDY,
    seriesInstanceUid: `${STUDY}.1`,
    sopInstanceUid: sop,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
    sha256: 'a'.repeat(64),
    callingAeTitle: 'DR1',
    receivedAt: new Date().toISOString(),
    attributes: { modality: 'DX', patientId: 'P1' },
    media: { thumbnail: b64('thumb'), preview: b64(`preview ${sop}`), placeholderReason: null, ...media },
    ...extra,
  };
}

const IMAGE = {
  columns: 2800,
  rows: 3400,
  numberOfFrames: 1,
  photometricInterpretation: 'MONOCHROME1',
  pixelSpacingMm: { row: 0.139, column: 0.14, source: 'ImagerPixelSpacing' },
  rescaleSlope: 1,
  rescaleIntercept: 0,
  windows: [
    { center: 2048, width: 4096, explanation: 'NORMAL' },
    { center: 1500, width: 1000, explanation: null },
  ],
};
const RENDITION = {
  png: b64('a 16-bit png'),
  format: 'grey16',
  width: 843,
  height: 1024,
  frame: 0,
  storedValueOffset: 0,
  invert: true,
  defaultWindow: { center: 2048, width: 4096 },
};

async function instancesOfStudy() {
  const [row] = await fixture.database.db.select().from(studies).where(eq(studies.studyInstanceUid, STUDY));
  const view = await studyView(
    fixture.database.db,
    await getStudy(fixture.database.db, SITE, row!.id),
    (sha, format = 'jpg') => `${ORIGIN}${mediaPath(sha, format)}`,
  );
  return view.series.flatMap((s) => s.instances);
}

async function fetched(url: string, format: 'png' | 'jpg'): Promise<string | null> {
  const sha = new URL(url).pathname.match(/([0-9a-f]{64})\.(png|jpg)$/);
  expect(sha?.[2]).toBe(format);
  return (await media.read(sha![1]!, format))?.toString() ?? null;
}

describe('a grey radiograph with its rendition', () => {
  it('gives the instance its facts and a PNG URL that serves the bytes the agent sent', async () => {
    await apply(stored('1.2.3.1', { image: IMAGE as never }, { rendition: RENDITION }));
    const [instance] = await instancesOfStudy();
    expect(instance!.image).toEqual({
      columns: 2800,
      rows: 3400,
      numberOfFrames: 1,
      photometricInterpretation: 'MONOCHROME1',
      pixelSpacingMm: { row: 0.139, column: 0.14, source: 'ImagerPixelSpacing' },
      rendition: {
        url: expect.stringMatching(/^http:\/\/plugin\.test\/media\/[0-9a-f]{64}\.png$/) as string,
        format: 'grey16',
        width: 843,
        height: 1024,
        frame: 0,
        storedValueOffset: 0,
        rescaleSlope: 1,
        rescaleIntercept: 0,
        invert: true,
        windows: IMAGE.windows,
        defaultWindow: { center: 2048, width: 4096 },
      },
      frameUrls: null,
    });
    expect(await fetched(instance!.image!.rendition!.url, 'png')).toBe('a 16-bit png');
  });

  it('keeps the first facts when the same instance arrives again', async () => {
    await apply(stored('1.2.3.2', { image: IMAGE as never }, { rendition: RENDITION }));
    await apply(
      stored(
        '1.2.3.2',
        { image: { ...IMAGE, columns: 1 } as never },
        { rendition: { ...RENDITION, width: 1 } },
      ),
    );
    const instances = await instancesOfStudy();
    expect(instances).toHaveLength(1);
    expect(instances[0]!.image).toMatchObject({ columns: 2800, rendition: { width: 843 } });
  });
});

describe('instances without an image view', () => {
  it('a placeholder, and an instance from an agent that sends no facts, have image null', async () => {
    await apply(stored('1.2.3.3', { image: IMAGE as never }, { placeholderReason: 'cannot decode' }));
    await apply(stored('1.2.3.4'));
    const instances = await instancesOfStudy();
    expect(instances.map((i) => i.image)).toEqual([null, null]);
  });

  it('a colour image has its facts and no rendition', async () => {
    await apply(stored('1.2.3.5', { image: { ...IMAGE, photometricInterpretation: 'RGB' } as never }));
    const [instance] = await instancesOfStudy();
    expect(instance!.image).toMatchObject({
      photometricInterpretation: 'RGB',
      rendition: null,
      frameUrls: null,
    });
  });
});

describe('a cine loop with frame previews', () => {
  const loop = (frames: number[]) =>
    stored('1.2.3.6', { image: { ...IMAGE, numberOfFrames: 9 } as never }, { framePreviews: { frames } });
  const framesMessage = (from: number, to: number, frames: number[]) => ({
    kind: 'instance.frames',
    sopInstanceUid: '1.2.3.6',
    sha256: 'a'.repeat(64),
    frames: frames
      .slice(from, to)
      .map((frame, i) => ({ index: from + i, frame, jpeg: b64(`frame ${frame}`) })),
  });

  it('lists the frame URLs in frame order once every announced frame has arrived, and once only', async () => {
    const frames = [0, 4, 8];
    await apply(loop(frames));
    await apply(framesMessage(0, 2, frames));
    // Two of three frames: a viewer would step through half a loop, so none are listed yet.
    expect((await instancesOfStudy())[0]!.image!.frameUrls).toBeNull();
    await apply(framesMessage(2, 3, frames));
    // A replay of a frames message changes nothing.
    await apply(framesMessage(0, 2, frames));
    const urls = (await instancesOfStudy())[0]!.image!.frameUrls!;
    expect(urls).toHaveLength(3);
    expect(await Promise.all(urls.map((u) => fetched(u, 'jpg')))).toEqual(['frame 0', 'frame 4', 'frame 8']);
  });
});

describe('what the link refuses', () => {
  it('a frames message over its size, a rendition over 1024 px, a window narrower than 1', () => {
    const big = b64('x'.repeat(2_300_000));
    expect(
      agentToPluginMessage.safeParse({
        kind: 'instance.frames',
        sopInstanceUid: '1.2.3',
        sha256: 'a'.repeat(64),
        frames: [
          { index: 0, frame: 0, jpeg: big },
          { index: 1, frame: 1, jpeg: big },
        ],
      }).success,
    ).toBe(false);
    expect(
      agentToPluginMessage.safeParse(stored('1.2.3.7', {}, { rendition: { ...RENDITION, width: 2048 } }))
        .success,
    ).toBe(false);
    const narrow = { ...IMAGE, windows: [{ center: 1, width: 0.5, explanation: null }] };
    expect(agentToPluginMessage.safeParse(stored('1.2.3.8', { image: narrow as never })).success).toBe(false);
  });
});
