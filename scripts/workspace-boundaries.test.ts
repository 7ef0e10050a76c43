import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Each workspace is used from outside only through its package `exports`, and every export names a
 * file that is there: the end-to-end tests and benchmarks then break loudly when a module they use
 * moves, instead of reaching into another workspace's folders.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workspaces = ['protocol', 'runtime', 'pims-plugin', 'agent', 'test'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter(
      (e) => e.isFile() && /\.(ts|tsx|mts|mjs|js)$/.test(e.name) && !e.parentPath.includes('node_modules'),
    )
    .map((e) => path.join(e.parentPath, e.name));
}

/** Relative import specifiers of a module (static, dynamic and `export … from`). */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
}

describe.each(workspaces)('%s', (workspace) => {
  const pkg = JSON.parse(readFileSync(path.join(root, workspace, 'package.json'), 'utf8')) as {
    exports?: Record<string, string>;
  };

  it('exports only files that exist', () => {
    const missing = Object.entries(pkg.exports ?? {}).filter(
      ([, target]) => !existsSync(path.join(root, workspace, target)),
    );
    expect(missing).toEqual([]);
  });

  it('imports other workspaces only through their exports, never by a relative path', () => {
    const own = path.join(root, workspace);
    const crossing = sourceFiles(own).flatMap((file) =>
      relativeImports(file)
        .filter((spec) => !path.resolve(path.dirname(file), spec).startsWith(own + path.sep))
        .map((spec) => `${path.relative(root, file)}: ${spec}`),
    );
    expect(crossing).toEqual([]);
  });
});
