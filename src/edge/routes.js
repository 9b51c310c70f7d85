// The proxy's allow-list: the Broker API's route templates (core's `paths::ROUTES`, read from the wasm through
// `brokerApiRoutes()`), matched segment by segment, `{name}` standing for any one non-empty segment.

/** Groups `[{ method, template }]` by template: `[{ segments, methods }]`. */
export function compileRoutes(routes) {
  const byTemplate = new Map();
  for (const { method, template } of routes) {
    let route = byTemplate.get(template);
    if (!route) {
      route = { template, segments: template.split('/').slice(1), methods: [] };
      byTemplate.set(template, route);
    }
    route.methods.push(method);
  }
  return [...byTemplate.values()];
}

function segmentMatches(pattern, segment) {
  return pattern.startsWith('{') && pattern.endsWith('}') ? segment !== '' : pattern === segment;
}

/**
 * The methods a path (already normalised by URL parsing, no query) answers, or `null` when it is no Broker route.
 * A path can fit two templates (`/filetransfer/upload` is the multipart upload and, to the service's router, an
 * overview of the id "upload"): it answers the methods of both, as the service would route them.
 */
export function routeMethods(table, path) {
  const segments = path.split('/').slice(1);
  const methods = new Set();
  for (const route of table) {
    if (route.segments.length === segments.length && route.segments.every((p, i) => segmentMatches(p, segments[i]))) {
      for (const m of route.methods) methods.add(m);
    }
  }
  return methods.size > 0 ? methods : null;
}
