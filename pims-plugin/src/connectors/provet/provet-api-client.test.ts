import { describe, expect, it } from 'vitest';
import { refId } from './provet-api-client.js';

describe("Provet's references", () => {
  it('give their id whether a number, a URL or an object', () => {
    expect(refId(12)).toBe('12');
    expect(refId('https://provetcloud.com/4711/api/0.1/patient/12/')).toBe('12');
    expect(refId({ id: 'https://provetcloud.com/4711/api/0.1/consultation/9' })).toBe('9');
    expect(refId('not a reference')).toBeNull();
    expect(refId(null)).toBeNull();
  });
});
