import type { ToolSpec } from '@owui/contracts';

/**
 * OpenAPI tool servers: every operation with an operationId becomes one function for the model, as the
 * original does it (path/query parameters + the JSON request body's properties, `$ref`s resolved).
 * `operationRequest` maps a model's call back onto method, URL and body.
 */

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** Resolves local `#/components/...` refs; depth-bounded so a self-referencing schema cannot loop. */
export function resolveSchema(schema: unknown, components: Json, depth = 0): unknown {
  if (depth > 16 || !isObj(schema)) return schema;
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    if (!ref.startsWith('#/components/')) return {};
    let node: unknown = components;
    for (const part of ref.slice('#/components/'.length).split('/')) {
      node = isObj(node) && Object.hasOwn(node, part) ? node[part] : undefined;
    }
    return resolveSchema(node ?? {}, components, depth + 1);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' && isObj(v)) {
      const props: Json = {};
      for (const [pk, pv] of Object.entries(v)) props[pk] = resolveSchema(pv, components, depth + 1);
      out[k] = props;
    } else if (k === 'items') out[k] = resolveSchema(v, components, depth + 1);
    else out[k] = v;
  }
  return out;
}

interface Operation {
  path: string;
  method: string;
  op: Json;
}

function operations(spec: Json): Operation[] {
  const out: Operation[] = [];
  const paths = isObj(spec.paths) ? spec.paths : {};
  for (const [path, methods] of Object.entries(paths)) {
    if (!isObj(methods)) continue;
    for (const [method, op] of Object.entries(methods)) {
      if (HTTP_METHODS.has(method.toLowerCase()) && isObj(op) && typeof op.operationId === 'string' && op.operationId) {
        out.push({ path, method: method.toLowerCase(), op });
      }
    }
  }
  return out;
}

const paramsOf = (op: Json): Json[] => (Array.isArray(op.parameters) ? op.parameters.filter(isObj) : []);

export function openapiToToolSpecs(spec: Json): ToolSpec[] {
  const components = isObj(spec.components) ? spec.components : {};
  return operations(spec).map(({ op }) => {
    const properties: Json = {};
    let required: string[] = [];
    let parameters: Json = { type: 'object', properties, required };
    for (const param of paramsOf(op)) {
      if (typeof param.name !== 'string') continue;
      const schema = (isObj(param.schema) ? resolveSchema(param.schema, components) : {}) as Json;
      let description = typeof schema.description === 'string' && schema.description ? schema.description : typeof param.description === 'string' ? param.description : '';
      if (Array.isArray(schema.enum)) description += `. Possible values: ${schema.enum.join(', ')}`;
      const prop: Json = { type: schema.type, description };
      if (schema.type === 'array' && 'items' in schema) prop.items = schema.items;
      properties[param.name] = prop;
      if (param.required) required.push(param.name);
    }
    const body = isObj(op.requestBody) && isObj(op.requestBody.content) ? op.requestBody.content['application/json'] : undefined;
    if (isObj(body) && body.schema) {
      const resolved = resolveSchema(body.schema, components) as Json;
      if (isObj(resolved.properties)) {
        Object.assign(properties, resolved.properties);
        if (Array.isArray(resolved.required)) required = [...new Set([...required, ...resolved.required.map(String)])];
        parameters = { type: 'object', properties, required };
      } else if (resolved.type === 'array') parameters = resolved;
    }
    const description = typeof op.description === 'string' ? op.description : typeof op.summary === 'string' ? op.summary : 'No description available.';
    return { name: op.operationId as string, description, parameters };
  });
}

export interface OperationRequest {
  method: string;
  url: string;
  body?: string;
}

/** The HTTP request for a call of `name` with `params`; null when the spec has no such operation. */
export function operationRequest(spec: Json, baseUrl: string, name: string, params: Json): OperationRequest | null {
  const found = operations(spec).find((o) => o.op.operationId === name);
  if (!found) return null;
  let path = found.path;
  const query = new URLSearchParams();
  for (const param of paramsOf(found.op)) {
    const key = param.name;
    if (typeof key !== 'string' || !Object.hasOwn(params, key)) continue;
    const value = params[key];
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (param.in === 'path') path = path.replaceAll(`{${key}}`, encodeURIComponent(text));
    else if (param.in === 'query') query.append(key, text);
  }
  const qs = query.toString();
  const url = `${baseUrl.replace(/\/+$/, '')}${path}${qs ? `?${qs}` : ''}`;
  const hasBody = isObj(found.op.requestBody) && isObj(found.op.requestBody.content);
  const sendsBody = ['post', 'put', 'patch', 'delete'].includes(found.method);
  return { method: found.method.toUpperCase(), url, ...(sendsBody ? { body: JSON.stringify(hasBody ? params : {}) } : {}) };
}

/** `path` as a full URL, or appended to the server URL (the original's get_tool_server_url). */
export function toolServerUrl(url: string, path: string): string {
  if (path.includes('://')) return path;
  return `${url.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}
