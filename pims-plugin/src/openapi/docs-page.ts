import type {
  EventDocs,
  JsonSchema,
  OpenApiDocument,
  OperationObject,
  ParameterObject,
} from './openapi-document.js';
import { problemResponses } from './problem-schema.js';
import { resolveSchema, sampleFromSchema } from './schema-sample.js';

/**
 * The API reference as one self-contained HTML page, rendered from the OpenAPI document itself so
 * the page and `/v1/openapi.json` always say the same. No script, font or stylesheet is fetched:
 * the page must work on a clinic's offline machine.
 */
export function renderDocsPage(doc: OpenApiDocument, events: EventDocs['catalogue'] = {}): string {
  const schemas = doc.components.schemas;
  const byTag = new Map<string, { method: string; path: string; op: OperationObject }[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = op.tags[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, op }]);
    }
  }
  const tags = doc.tags.filter((t) => byTag.has(t.name) || t.name === 'Events');
  const nav = tags
    .map(
      (t) =>
        `<li><a href="#tag-${slug(t.name)}">${esc(t.name)}</a><ul>${(byTag.get(t.name) ?? [])
          .map(
            ({ method, path, op }) =>
              `<li><a href="#op-${slug(op.operationId)}"><span class="m m-${method}">${method.toUpperCase()}</span> ${esc(path)}</a></li>`,
          )
          .join('')}</ul></li>`,
    )
    .join('');
  const sections = tags
    .map((t) => {
      const ops = (byTag.get(t.name) ?? []).map(({ method, path, op }) =>
        renderOperation(method, path, op, schemas),
      );
      const extra = t.name === 'Events' ? renderEvents(doc, events) : '';
      return `<section id="tag-${slug(t.name)}"><h2>${esc(t.name)}</h2>${t.description ? `<p>${prose(t.description)}</p>` : ''}${ops.join('')}${extra}</section>`;
    })
    .join('');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} — reference</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<nav><p class="brand">${esc(doc.info.title)}</p><ul><li><a href="#auth">Authentication</a></li><li><a href="#errors">Errors</a></li>${nav}</ul></nav>
<main>
<header>
<h1>${esc(doc.info.title)}</h1>
<p class="meta">API version ${esc(doc.info.version)} · OpenAPI ${esc(doc.openapi)} · machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a></p>
<p>${prose(doc.info.description)}</p>
</header>
<section id="auth"><h2>Authentication</h2>
${Object.entries(doc.components.securitySchemes)
  .map(
    ([name, scheme]) =>
      `<div class="scheme"><h3>${esc(name)}</h3><p><code>Authorization: Bearer &lt;${esc(name)}&gt;</code> (HTTP ${esc(scheme.scheme)})</p><p>${prose(scheme.description)}</p></div>`,
  )
  .join('')}
<p>Operations marked <span class="badge">no key</span> need no key.</p>
</section>
<section id="errors"><h2>Errors</h2>
<p>Every error is <code>application/problem+json</code>:</p>
${fieldTable({ $ref: '#/components/schemas/Problem' }, schemas)}
<table><thead><tr><th>status</th><th>meaning</th></tr></thead><tbody>
${Object.entries(problemResponses)
  .map(([status, r]) => `<tr><td>${status} ${esc(r.name)}</td><td>${prose(r.description)}</td></tr>`)
  .join('')}
</tbody></table>
</section>
${sections}
</main>
</body>
</html>
`;
}

function renderOperation(
  method: string,
  path: string,
  op: OperationObject,
  schemas: Record<string, JsonSchema>,
): string {
  const auth = op.security.length
    ? op.security.map((s) => Object.keys(s).join(' + ')).join(' or ')
    : '<span class="badge">no key</span>';
  const params = op.parameters?.length ? renderParameters(op.parameters) : '';
  const body = op.requestBody?.content['application/json'];
  const request = body
    ? `<h4>Request body <span class="ct">application/json</span>${refName(body.schema)}</h4>${fieldTable(body.schema, schemas)}<details><summary>Example</summary><pre>${esc(
        JSON.stringify(body.example ?? sampleFromSchema(body.schema, schemas), null, 2),
      )}</pre></details>`
    : '';
  const responses = Object.entries(op.responses)
    .map(([status, res]) => {
      if ('$ref' in res) {
        const name = res.$ref.split('/').pop() ?? '';
        const known = Object.values(problemResponses).find((p) => p.name === name);
        return `<li><span class="st st-err">${esc(status)}</span> ${esc(name)}: ${prose(known?.description ?? '')} <a href="#errors" class="ct">problem+json</a></li>`;
      }
      const json = res.content?.['application/json'];
      const table = json
        ? `<details><summary><span class="ct">application/json</span>${refName(json.schema)}</summary>${fieldTable(json.schema, schemas)}</details>`
        : '';
      return `<li><span class="st">${esc(status)}</span> ${prose(res.description)}${table}</li>`;
    })
    .join('');
  return `<article class="op" id="op-${slug(op.operationId)}">
<h3><span class="m m-${method}">${method.toUpperCase()}</span> <code class="path">${esc(path)}</code></h3>
<p class="summary">${prose(op.summary)}</p>
${op.description ? `<p>${prose(op.description)}</p>` : ''}
<p class="auth">Auth: ${auth}</p>
${params}${request}
<h4>Responses</h4><ul class="responses">${responses}</ul>
</article>`;
}

function renderParameters(parameters: ParameterObject[], title = 'Parameters'): string {
  const rows = parameters
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${p.in}</td><td>${esc(typeLabel(p.schema, {}))}</td><td>${p.required ? 'yes' : ''}</td><td>${[
          p.description ? prose(p.description) : '',
          constraints(p.schema),
        ]
          .filter(Boolean)
          .join('<br>')}</td></tr>`,
    )
    .join('');
  return `<h4>${esc(title)}</h4><table class="fields"><thead><tr><th>name</th><th>in</th><th>type</th><th>required</th><th>notes</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderEvents(doc: OpenApiDocument, events: EventDocs['catalogue']): string {
  const rows = Object.entries(events)
    .map(
      ([type, e]) =>
        `<tr id="event-${slug(type)}"><td><code>${esc(type)}</code></td><td>${prose(e.when)}</td><td>${prose(e.pimsAction)}</td></tr>`,
    )
    .join('');
  const hook = Object.values(doc.webhooks)[0]?.post;
  const headers = hook?.parameters ? renderParameters(hook.parameters, 'Delivery headers') : '';
  return `<article class="op" id="event-types"><h3>Event types</h3>
<p>Every state change is an event. A PIMS receives them as webhook deliveries (<code>POST</code> to its URL, retried with backoff until it answers 2xx) or reads them from the events feed.</p>
<table><thead><tr><th>type</th><th>when</th><th>what the PIMS does</th></tr></thead><tbody>${rows}</tbody></table>
<h4>The event <span class="ct">application/json</span></h4>${fieldTable({ $ref: '#/components/schemas/Event' }, doc.components.schemas)}
${headers}
</article>`;
}

/** One row per field, nested fields as dotted paths, so a reader sees the whole body at once. */
function fieldTable(schema: JsonSchema, schemas: Record<string, JsonSchema>): string {
  const rows: string[] = [];
  collectRows(schema, '', schemas, rows, 0);
  if (!rows.length) return `<p class="muted">${esc(typeLabel(schema, schemas))}</p>`;
  return `<table class="fields"><thead><tr><th>field</th><th>type</th><th>required</th><th>notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function collectRows(
  schema: JsonSchema,
  prefix: string,
  schemas: Record<string, JsonSchema>,
  rows: string[],
  depth: number,
): void {
  if (depth > 8) return;
  const s = objectPart(resolveSchema(schema, schemas), schemas);
  if (!s) return;
  const required = new Set((s.required ?? []) as string[]);
  for (const [name, prop] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) {
    const field = `${prefix}${name}`;
    const resolved = resolveSchema(prop, schemas);
    rows.push(
      `<tr><td class="f" style="padding-left:${0.5 + depth * 1.1}rem"><code>${esc(field)}</code></td><td>${esc(typeLabel(prop, schemas))}</td><td>${required.has(name) ? 'yes' : ''}</td><td>${[
        typeof resolved.description === 'string' ? prose(resolved.description) : '',
        constraints(resolved),
      ]
        .filter(Boolean)
        .join('<br>')}</td></tr>`,
    );
    const items = resolved.type === 'array' ? (resolved.items as JsonSchema | undefined) : undefined;
    if (items) collectRows(items, `${field}[].`, schemas, rows, depth + 1);
    else collectRows(prop, `${field}.`, schemas, rows, depth + 1);
  }
}

/** The object inside a nullable (`anyOf [X, null]`) or an `allOf`, if there is one. */
function objectPart(s: JsonSchema, schemas: Record<string, JsonSchema>): JsonSchema | null {
  if (s.type === 'object' && s.properties) return s;
  const alternatives = (s.anyOf ?? s.oneOf ?? s.allOf) as JsonSchema[] | undefined;
  if (!alternatives) return null;
  for (const a of alternatives) {
    const found = objectPart(resolveSchema(a, schemas), schemas);
    if (found) return found;
  }
  return null;
}

function typeLabel(schema: JsonSchema, schemas: Record<string, JsonSchema>): string {
  const s = typeof schema.$ref === 'string' ? resolveSchema(schema, schemas) : schema;
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return alternatives.map((a) => typeLabel(a, schemas)).join(' or ');
  if (Array.isArray(s.allOf)) return s.allOf.map((a) => typeLabel(a as JsonSchema, schemas)).join(' and ');
  switch (s.type) {
    case 'array':
      return `array of ${typeLabel((s.items ?? {}) as JsonSchema, schemas)}`;
    case 'object':
      return s.properties ? 'object' : 'object (any keys)';
    case 'string':
      return typeof s.format === 'string' ? `string (${s.format})` : 'string';
    case undefined:
      return 'any';
    default:
      return Array.isArray(s.type) ? s.type.join(' | ') : String(s.type);
  }
}

function constraints(s: JsonSchema): string {
  const out: string[] = [];
  const { minLength, maxLength, minimum, maximum, exclusiveMinimum, minItems, maxItems, pattern } = s;
  if (typeof minLength === 'number' && typeof maxLength === 'number')
    out.push(`${minLength}–${maxLength} characters`);
  else if (typeof maxLength === 'number') out.push(`at most ${maxLength} characters`);
  else if (typeof minLength === 'number') out.push(`at least ${minLength} characters`);
  if (typeof minimum === 'number') out.push(`≥ ${minimum}`);
  if (typeof exclusiveMinimum === 'number') out.push(`> ${exclusiveMinimum}`);
  if (typeof maximum === 'number') out.push(`≤ ${maximum}`);
  if (typeof minItems === 'number' && minItems > 0) out.push(`at least ${minItems} items`);
  if (typeof maxItems === 'number') out.push(`at most ${maxItems} items`);
  if (typeof pattern === 'string') out.push(`pattern <code>${esc(pattern)}</code>`);
  if ('default' in s) out.push(`default <code>${esc(JSON.stringify(s.default))}</code>`);
  return out.join(', ');
}

function refName(schema: JsonSchema): string {
  return typeof schema.$ref === 'string'
    ? ` <span class="ref">${esc(schema.$ref.split('/').pop() ?? '')}</span>`
    : '';
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Escaped text with `backticks` as code. */
function prose(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

const STYLE = `
:root{--fg:#1d232b;--muted:#5b6675;--line:#dde2e8;--bg:#fff;--side:#f5f7f9;--code:#f1f3f6;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);display:flex}
nav{position:sticky;top:0;height:100vh;overflow:auto;width:20rem;flex:none;background:var(--side);border-right:1px solid var(--line);padding:1rem;font-size:13px}
nav ul{list-style:none;margin:0;padding:0}nav ul ul{margin:.2rem 0 .8rem .2rem}nav li{margin:.15rem 0}
nav a{color:var(--fg);text-decoration:none}nav a:hover{color:var(--accent)}
.brand{font-weight:700;font-size:15px;margin:0 0 1rem}
main{flex:1;min-width:0;padding:1.5rem 2.5rem 4rem;max-width:72rem}
h1{margin:.2rem 0}h2{margin-top:2.5rem;border-bottom:2px solid var(--line);padding-bottom:.3rem}
h3{margin:0 0 .3rem;font-size:17px}h4{margin:1rem 0 .3rem;font-size:14px}
.meta,.muted{color:var(--muted)}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--code);padding:.05rem .3rem;border-radius:3px}
pre{background:var(--code);padding:.8rem;border-radius:4px;overflow:auto;font:12.5px/1.45 ui-monospace,Menlo,Consolas,monospace}
.op{border:1px solid var(--line);border-radius:6px;padding:1rem 1.2rem;margin:1rem 0}
.op .summary{font-weight:600;margin:.2rem 0}
.m{display:inline-block;min-width:3.6rem;text-align:center;font:700 11px/1.8 ui-monospace,Menlo,monospace;color:#fff;border-radius:3px;padding:0 .3rem;vertical-align:middle}
.m-get{background:#1f7a3f}.m-post{background:#0b5cad}.m-patch{background:#a15c00}.m-put{background:#6b3fa0}.m-delete{background:#b3261e}
.path{font-size:15px;background:none}
.badge{display:inline-block;font-size:12px;border:1px solid var(--line);border-radius:10px;padding:0 .5rem;background:var(--side)}
.ct{font-weight:400;color:var(--muted);font-size:12px}.ref{font-weight:400;font-size:12px;color:var(--accent)}
table{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:13.5px}
th,td{text-align:left;vertical-align:top;border-bottom:1px solid var(--line);padding:.3rem .5rem}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.f{white-space:nowrap}
ul.responses{padding-left:1rem}ul.responses li{margin:.3rem 0}
.st{display:inline-block;font:700 12px ui-monospace,Menlo,monospace;color:#1f7a3f}.st-err{color:#b3261e}
details summary{cursor:pointer;color:var(--accent);font-size:13px}
@media (max-width:800px){body{display:block}nav{position:static;height:auto;width:auto}main{padding:1rem}}
`;
