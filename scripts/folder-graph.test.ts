import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { folderCycles, folderGraph, type FolderGraph } from './folder-graph.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe.each(['agent', 'pims-plugin', 'protocol'])('the folders of %s/src', (workspace) => {
  it('import one another without a cycle', () => {
    expect(folderCycles(folderGraph(path.join(root, workspace, 'src')))).toEqual([]);
  });
});

describe('the cycle check', () => {
  it('finds a cycle through three folders and names the imports that close it', () => {
    const graph: FolderGraph = new Map([
      ['dicom', new Map([['storage', ['dicom/a.ts -> ../storage/b.js']]])],
      ['storage', new Map([['outbox', ['storage/b.ts -> ../outbox/c.js']]])],
      ['outbox', new Map([['dicom', ['outbox/c.ts -> ../dicom/a.js']]])],
      ['main', new Map([['dicom', ['main.ts -> ./dicom/a.js']]])],
    ]);
    expect(folderCycles(graph)).toEqual([
      {
        folders: ['dicom', 'outbox', 'storage'],
        imports: [
          'dicom -> storage: dicom/a.ts -> ../storage/b.js',
          'outbox -> dicom: outbox/c.ts -> ../dicom/a.js',
          'storage -> outbox: storage/b.ts -> ../outbox/c.js',
        ],
      },
    ]);
  });

  it('sees the imports of the agent as they are', () => {
    const graph = folderGraph(path.join(root, 'agent', 'src'));
    expect([...(graph.get('worklist')?.keys() ?? [])]).toContain('dicom');
    expect([...(graph.get('main')?.keys() ?? [])]).toContain('dicom');
  });
});
