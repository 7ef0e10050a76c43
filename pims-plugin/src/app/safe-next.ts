/** Where to go after sign-in: a path under /app of this site, never another origin. */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || value.length > 256) return '/app/orders';
  if (!/^\/app(\/[A-Za-z0-9._~/-]*)?(\?[A-Za-z0-9._~=&%-]*)?$/.test(value) || value.includes('//')) {
    return '/app/orders';
  }
  return value === '/app' || value === '/app/' || value.startsWith('/app/sign-') ? '/app/orders' : value;
}
