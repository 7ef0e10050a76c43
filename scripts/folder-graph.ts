/**
 * The folder-level import graph of a workspace's `src/`: each top-level folder is one node (a file
 * directly under `src/` is a node of its own, as composition roots such as `main.ts` and `app.ts`
 * are), and an edge is any import, type-only included, from a module in one node to a module in
 * another. Tests (`*.test.ts`) are left out: they may reach wherever they check.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export type FolderGraph = Map<string, Map<string, string[]>>;

function modules(src: string): string[] {
  return readdirSync(src, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

function nodeOf(src: string, file: string): string {
  const [first, ...rest] = path.relative(src, file).split(path.sep);
  return rest.length > 0 ? first! : first!.replace(/\.tsx?$/, '');
}

export function folderGraph(src: string): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const file of modules(src)) {
    const from = nodeOf(src, file);
    const edges = graph.get(from) ?? new Map<string, string[]>();
    graph.set(from, edges);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = nodeOf(src, path.resolve(path.dirname(file), fileName));
      if (to === from || to.startsWith('..')) continue;
      const why = edges.get(to) ?? [];
      why.push(`${path.relative(src, file)} -> ${fileName}`);
      edges.set(to, why);
    }
  }
  return graph;
}

/** The cycles of the graph: each strongly connected set of two or more nodes, with the imports that close it. */
export function folderCycles(graph: FolderGraph): { folders: string[]; imports: string[] }[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found.map((folders) => ({
    folders,
    imports: folders.flatMap((a) =>
      folders.flatMap(
        (b) =>
          graph
            .get(a)
            ?.get(b)
            ?.map((why) => `${a} -> ${b}: ${why}`) ?? [],
      ),
    ),
  }));
}
