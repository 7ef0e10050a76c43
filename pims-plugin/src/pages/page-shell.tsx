import type { Child } from 'hono/jsx';
import type { PageAssets } from './page-assets.js';

export interface PageShellProps {
  assets: PageAssets;
  title: string;
  /** Style sheets besides `base.css`, by name (`panel.css`). */
  styles?: string[];
  /** Client scripts by name (`panel.js`); loaded as modules, after the page is parsed. */
  scripts?: string[];
  /** A class on <body> for the page's layout. */
  bodyClass?: string;
  children?: Child;
}

/** The document around every page: one look for the panel, the viewer and the staff screens. */
export function PageShell(props: PageShellProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        {/* No favicon request: a 404 in every page load says nothing useful. */}
        <link rel="icon" href="data:," />
        <title>{props.title}</title>
        <link rel="stylesheet" href={props.assets.url('base.css')} />
        {(props.styles ?? []).map((name) => (
          <link rel="stylesheet" href={props.assets.url(name)} />
        ))}
        {(props.scripts ?? []).map((name) => (
          <script type="module" src={props.assets.url(name)}></script>
        ))}
      </head>
      <body class={props.bodyClass}>{props.children}</body>
    </html>
  );
}
