// Module resolution hook of bin/finops.mjs (runs on Node's loader thread, before tsx's own hook).
//
// tsx is registered under a namespace, which its resolve hook passes from a module to everything
// that module imports. Only our TypeScript needs tsx; packages in node_modules are JavaScript, and
// sending each of their modules through tsx's loader anyway (its dynamic-import rewrite, its copy
// of every source for source maps) cost about 0.4 s of CPU and 40 MB on every start. So a module
// resolved inside node_modules loses the namespace here: Node loads it, and its own imports,
// without tsx.
const NAMESPACE = 'tsx-namespace';

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!resolved.url.startsWith('file:') || !resolved.url.includes('/node_modules/')) return resolved;
  const url = new URL(resolved.url);
  if (!url.searchParams.has(NAMESPACE) || !/\.[cm]?js$/.test(url.pathname)) return resolved;
  url.searchParams.delete(NAMESPACE);
  return { ...resolved, url: url.toString() };
}
