import { describe, expect, it } from 'vitest';
import { keywordInfo, tagInfo } from '../dicom/codec/dicom-tags.js';
import { WORKLIST_ATTRIBUTES } from './worklist-attributes.js';

describe('the worklist attributes', () => {
  it('are the standard dictionary entries: the same tag, VR and keyword each way', () => {
    for (const [keyword, def] of Object.entries(WORKLIST_ATTRIBUTES)) {
      expect(keywordInfo(keyword), keyword).toEqual({ tag: def.tag, vr: def.vr, keyword });
      expect(tagInfo(def.tag), keyword).toEqual({ tag: def.tag, vr: def.vr, keyword });
    }
  });
});
